package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.Example;
import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a training- or unlabelled-side data file (JSONL, JSON array or .txt, gzip when named {@code .gz}; or
 * .parquet, whose columns are the keys) into {@link Example}s. A malformed record stops the read with
 * {@code FILE:LINE: what is wrong (expected ..., found ...)} ({@code FILE:row N} in Parquet);
 * with {@code skipInvalid} it is counted by reason instead.
 */
public final class DataReader {
    private static final Logger log = LoggerFactory.getLogger(DataReader.class);
    private static final int SKIPPED_LINES_KEPT = 5;

    /**
     * How to read one file.
     *
     * @param format      the format, or null to detect it from the first record
     * @param skipInvalid count and skip malformed records instead of stopping at the first
     * @param limit       keep at most this many examples (null: all)
     * @param unlabelled  read pairs as unlabelled responses: the instruction (plus input) moves to goldInstruction
     */
    public record Options(Format format, boolean skipInvalid, Integer limit, boolean unlabelled) {
        public Options {
            if (limit != null && limit < 0) throw new UserInputException("limit: expected a count >= 0, found " + limit);
        }

        public static Options defaults() {
            return new Options(null, false, null, false);
        }
    }

    private DataReader() {
    }

    public static ReadResult read(Path file, Options options) {
        InputFiles.requireFile(file);
        Format format = options.format() != null ? options.format() : Format.detect(file);
        String name = file.toString();
        String stem = stem(file);
        RecordParser parser = new RecordParser(name, stem);
        OasstTrees trees = new OasstTrees();
        List<Example> examples = new ArrayList<>();
        Map<String, Long> skipped = new TreeMap<>();
        List<String> skippedLines = new ArrayList<>();
        int limit = options.limit() == null || format == Format.OASST ? Integer.MAX_VALUE : options.limit();

        long records = JsonRecords.forEach(file, new JsonRecords.Visitor() {
            @Override
            public boolean record(long line, JsonNode node) throws InvalidRecordException {
                if (format == Format.OASST) {
                    trees.add(node, line);
                } else {
                    examples.add(asRequested(parser.parse(format, node, line), options.unlabelled()));
                }
                return examples.size() < limit;
            }

            @Override
            public void invalid(long line, InvalidRecordException problem) {
                String where = JsonRecords.where(file, line) + ": " + problem.getMessage();
                if (!options.skipInvalid()) {
                    throw new UserInputException(where + " [format " + format.id + "; use skip_invalid / --skip-invalid to skip such lines]");
                }
                if (skippedLines.size() < SKIPPED_LINES_KEPT) {
                    skippedLines.add(where);
                    log.warn("skipping {}", where);
                }
                skipped.merge(problem.reason, 1L, Long::sum);
            }
        });

        if (format == Format.OASST) {
            for (Example e : trees.pairs(file)) {
                if (options.limit() != null && examples.size() >= options.limit()) break;
                examples.add(asRequested(e, options.unlabelled()));
            }
        }
        ReadResult result = new ReadResult(file, format, records, examples, skipped, skippedLines);
        if (result.skippedTotal() > 0) log.warn("{}: skipped {} invalid records {}", name, result.skippedTotal(), skipped);
        return result;
    }

    /** A pair turned into an unlabelled response when asked: its instruction (and input) become the gold instruction. */
    private static Example asRequested(Example e, boolean unlabelled) {
        if (!unlabelled || !e.isPair()) return e;
        return new Example(e.id(), null, "", e.response(), e.fullInstruction(), e.category(), e.sourceFile(), e.line(), e.turns(),
                e.weight());
    }

    static String stem(Path file) {
        String n = file.getFileName().toString();
        for (String ext : new String[] {".gz", ".jsonl", ".json", ".txt", ".parquet"}) {
            if (n.endsWith(ext)) n = n.substring(0, n.length() - ext.length());
        }
        return n;
    }
}
