package dev.mutual.data.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.InputFiles;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.Utf8LineReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Walks the records of a JSONL file, a JSON array file or a plain-text file (one record per non-blank line),
 * gzip-compressed or not (by the {@code .gz} suffix), or the rows of a {@code .parquet} file ({@link ParquetRecords}),
 * and hands each to a {@link Visitor} with its 1-based line (row).
 * In a JSON array the line is where the record's object starts. A JSONL line that is not JSON is reported to the
 * visitor as invalid (so it can be skipped); a broken JSON array cannot be resynchronised and always stops.
 */
final class JsonRecords {
    private static final Logger log = LoggerFactory.getLogger(JsonRecords.class);
    /** Strings as long as a line may be (Jackson's default stops at 20M characters and called a valid line "malformed"). */
    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().streamReadConstraints(
            StreamReadConstraints.builder().maxStringLength(Utf8LineReader.DEFAULT_MAX_LINE_BYTES).build()).build());

    /** Receives each record; return false to stop early (a limit was reached). */
    interface Visitor {
        boolean record(long line, JsonNode node) throws InvalidRecordException;

        /** A line that is not a JSON object; throws to stop, or counts it and returns. */
        void invalid(long line, InvalidRecordException problem);
    }

    private JsonRecords() {
    }

    /** The file's kind from its name: "json" (one array), "txt" (lines), "parquet" or "jsonl". */
    static String kind(Path file) {
        String name = file.getFileName().toString().toLowerCase();
        if (name.endsWith(".parquet")) return "parquet";
        if (name.endsWith(".gz")) name = name.substring(0, name.length() - 3);
        if (name.endsWith(".json")) return "json";
        if (name.endsWith(".txt")) return "txt";
        return "jsonl";
    }

    /** Counts the bytes read from the file (compressed bytes for .gz), for progress. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) count += n;
            return n;
        }
    }

    /** The file's bytes, gunzipped when it is named .gz; {@code counter[0]}, when given, counts the raw bytes read. */
    private static InputStream open(Path file, CountingStream[] counter) {
        InputFiles.requireFile(file);
        try {
            InputStream in = Files.newInputStream(file);
            if (counter != null) in = counter[0] = new CountingStream(in);
            if (file.getFileName().toString().toLowerCase().endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
            return in;
        } catch (IOException e) {
            UserInputException bad = InputFiles.readFailure(file, file.toString(), e);
            throw bad != null ? bad : new UserInputException(file + ": cannot open (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The first JSON object of the file (for format detection), or null when it has none. Lines that are not JSON
     * objects are passed over here; the read itself reports (or skips) them with their line.
     */
    static JsonNode first(Path file) {
        JsonNode[] first = new JsonNode[1];
        forEach(file, new Visitor() {
            @Override
            public boolean record(long line, JsonNode node) {
                first[0] = node;
                return false;
            }

            @Override
            public void invalid(long line, InvalidRecordException problem) {
                // left for the read to report
            }
        });
        return first[0];
    }

    /** Where a record is, for messages: {@code FILE:LINE}, or {@code FILE:row N} in a Parquet file. */
    static String where(Path file, long line) {
        return file + (kind(file).equals("parquet") ? ":row " : ":") + line;
    }

    /**
     * Visits the file's records in order; returns how many were seen (valid or not) before the end or a stop.
     * A Parquet file's rows are handed over by {@link ParquetRecords}, numbered from 1 in place of lines.
     */
    static long forEach(Path file, Visitor visitor) {
        if (kind(file).equals("parquet")) return ParquetRecords.forEach(file, visitor);
        CountingStream[] counter = new CountingStream[1];
        long[] seen = {0};
        try (InputStream in = open(file, counter)) {
            Progress progress = new Progress(log, "read " + file, Files.size(file), "bytes", 5000);
            Visitor counted = new Visitor() {
                @Override
                public boolean record(long line, JsonNode node) throws InvalidRecordException {
                    seen[0]++;
                    progress.update(counter[0].count);
                    return visitor.record(line, node);
                }

                @Override
                public void invalid(long line, InvalidRecordException problem) {
                    if (problem.unparsed) seen[0]++; // a record that failed record() was counted there
                    visitor.invalid(line, problem);
                }
            };
            switch (kind(file)) {
                // Strict UTF-8: a broken byte sequence is an error, not a silent U+FFFD.
                case "json" -> array(file, new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), counted);
                case "txt" -> lines(file, new Utf8LineReader(in, file.toString()), counted, true);
                default -> lines(file, new Utf8LineReader(in, file.toString()), counted, false);
            }
            return seen[0];
        } catch (IOException e) {
            UserInputException bad = InputFiles.readFailure(file, file.toString(), e);
            if (bad != null) throw bad;
            throw new UncheckedIOException(file + ": read failed (" + e.getMessage() + ")", e);
        }
    }

    private static void lines(Path file, Utf8LineReader in, Visitor visitor, boolean plainText) throws IOException {
        String line;
        while ((line = in.readLine()) != null) {
            long lineNr = in.lineNumber();
            if (line.isBlank()) continue;
            JsonNode node;
            if (plainText) {
                node = MAPPER.createObjectNode().put("text", line);
            } else {
                try {
                    node = MAPPER.readTree(line);
                } catch (StreamConstraintsException e) {
                    visitor.invalid(lineNr, InvalidRecordException.unparsed("JSON beyond the reader's limits",
                            "expected a JSON object within Jackson's StreamReadConstraints, found: " + e.getOriginalMessage()));
                    continue;
                } catch (JsonProcessingException e) {
                    visitor.invalid(lineNr, InvalidRecordException.unparsed("malformed JSON",
                            "expected one JSON object per line, found: " + e.getOriginalMessage()));
                    continue;
                }
                if (!node.isObject()) {
                    visitor.invalid(lineNr, InvalidRecordException.unparsed("not a JSON object",
                            "expected a JSON object, found " + node.getNodeType().toString().toLowerCase()));
                    continue;
                }
            }
            if (!visit(visitor, lineNr, node)) return;
        }
    }

    private static void array(Path file, Reader reader, Visitor visitor) throws IOException {
        try (JsonParser parser = MAPPER.getFactory().createParser(reader)) {
            JsonToken token = parser.nextToken();
            if (token != JsonToken.START_ARRAY) {
                throw new UserInputException(file + ":" + parser.currentTokenLocation().getLineNr()
                        + ": expected a JSON array of records, found " + (token == null ? "an empty file" : token.asString()));
            }
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                long line = parser.currentTokenLocation().getLineNr();
                if (token != JsonToken.START_OBJECT) {
                    visitor.invalid(line, InvalidRecordException.unparsed("not a JSON object",
                            "expected a JSON object in the array, found " + token.asString()));
                    parser.skipChildren();
                    continue;
                }
                JsonNode node = MAPPER.readTree(parser);
                if (!visit(visitor, line, node)) return;
            }
            if ((token = parser.nextToken()) != null) {
                throw new UserInputException(file + ":" + parser.currentTokenLocation().getLineNr() + ": content after the JSON array"
                        + " (expected the end of the file, found " + token.asString() + ")");
            }
        } catch (CharacterCodingException e) {
            throw new UserInputException(file + ": not valid UTF-8 text (expected UTF-8, found a malformed byte sequence; "
                    + "convert the file, e.g. iconv -f latin1 -t utf-8)");
        } catch (JsonProcessingException e) {
            throw new UserInputException(file + ":" + (e.getLocation() == null ? 0 : e.getLocation().getLineNr()) + ": malformed JSON (expected a JSON "
                    + "array of objects, found: " + e.getOriginalMessage() + ")");
        }
    }

    private static boolean visit(Visitor visitor, long line, JsonNode node) {
        try {
            return visitor.record(line, node);
        } catch (InvalidRecordException e) {
            visitor.invalid(line, e);
            return true;
        }
    }
}
