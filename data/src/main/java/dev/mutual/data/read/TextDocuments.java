package dev.mutual.data.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Plain-text documents for pretraining, read lazily so a caller that needs only the first few never reads a large
 * corpus whole. A {@code .txt} file is one document; a {@code .jsonl} or {@code .jsonl.gz} file holds one JSON object
 * per line with the document in its string field {@code text} (other fields, e.g. {@code source}, are ignored), and
 * a {@code .parquet} file one row per document in its {@code text} column (read row group by row group); a folder
 * holds such files, read in name order (not recursively). Empty texts are skipped. Bad input stops the read with
 * {@code FILE:LINE: expected ..., found ...} ({@code FILE:row N} in Parquet).
 */
public final class TextDocuments {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One document: the file it comes from, its 1-based line (1 for a .txt file) and its text. */
    public record Document(Path file, int line, String text) {
        public String where() {
            return JsonRecords.where(file, line);
        }
    }

    private TextDocuments() {
    }

    /** The files {@code data} stands for: itself, or a folder's .txt/.jsonl/.jsonl.gz files in name order. */
    public static List<Path> files(Path data) {
        if (!Files.exists(data)) {
            throw new UserInputException(data + ": no such file or folder (expected plain text: a .txt file, a .jsonl or"
                    + " .jsonl.gz file with a \"text\" field, a .parquet file with a \"text\" column, or a folder of them)");
        }
        if (!Files.isDirectory(data)) {
            checkSuffix(data);
            return List.of(data);
        }
        List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(data)) {
            list.filter(p -> Files.isRegularFile(p) && supported(p)).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UserInputException(data + ": cannot list the folder: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new UserInputException(data + ": expected .txt, .jsonl, .jsonl.gz or .parquet files in the folder, found none");
        }
        return files;
    }

    /**
     * Hands each non-empty document of {@code data}, in order, to {@code consumer} until it returns false.
     *
     * @return the number of empty documents skipped
     */
    public static int forEach(Path data, Predicate<Document> consumer) {
        int empty = 0;
        for (Path file : files(data)) {
            String name = file.getFileName().toString().toLowerCase();
            if (name.endsWith(".parquet")) {
                int[] skipped = {0};
                boolean[] stopped = {false};
                ParquetRecords.forEach(file, new JsonRecords.Visitor() {
                    @Override
                    public boolean record(long row, JsonNode node) {
                        String text = text(JsonRecords.where(file, row), node);
                        if (text.isBlank()) {
                            skipped[0]++;
                            return true;
                        }
                        stopped[0] = !consumer.test(new Document(file, Math.toIntExact(row), text));
                        return !stopped[0];
                    }

                    @Override
                    public void invalid(long row, InvalidRecordException problem) {
                        throw new UserInputException(JsonRecords.where(file, row) + ": " + problem.getMessage());
                    }
                });
                empty += skipped[0];
                if (stopped[0]) return empty;
                continue;
            }
            if (name.endsWith(".txt")) {
                String text = readText(file);
                if (text.isBlank()) {
                    empty++;
                } else if (!consumer.test(new Document(file, 1, text))) {
                    return empty;
                }
                continue;
            }
            try (BufferedReader in = reader(file)) {
                String line;
                int number = 0;
                while ((line = in.readLine()) != null) {
                    number++;
                    if (line.isBlank()) continue;
                    String text = text(file, number, line);
                    if (text.isBlank()) {
                        empty++;
                    } else if (!consumer.test(new Document(file, number, text))) {
                        return empty;
                    }
                }
            } catch (IOException e) {
                throw new UserInputException(file + ": cannot read: " + e.getMessage(), e);
            }
        }
        return empty;
    }

    private static String text(Path file, int number, String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new UserInputException(file + ":" + number + ": expected a JSON object with a \"text\" field, found"
                    + " broken JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new UserInputException(file + ":" + number + ": expected a JSON object with a \"text\" field, found "
                    + abbreviate(line));
        }
        return text(file + ":" + number, node);
    }

    /** The document in a record's string field "text"; {@code where} is FILE:LINE or FILE:row N. */
    private static String text(String where, JsonNode node) {
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            throw new UserInputException(where + ": expected a string field \"text\" (the document), found "
                    + (text == null ? "no such field (fields: " + fieldNames(node) + ")" : abbreviate(text.toString())));
        }
        return text.asText();
    }

    private static String fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static String readText(Path file) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new UserInputException(file + ": expected UTF-8 text, found bytes that are not UTF-8", e);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static BufferedReader reader(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().toLowerCase().endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    private static boolean supported(Path p) {
        String n = p.getFileName().toString().toLowerCase();
        return n.endsWith(".txt") || n.endsWith(".jsonl") || n.endsWith(".jsonl.gz") || n.endsWith(".parquet");
    }

    private static void checkSuffix(Path file) {
        if (!supported(file)) {
            throw new UserInputException(file + ": expected plain text for pretraining: a .txt file (one document), a"
                    + " .jsonl or .jsonl.gz file with a \"text\" field per line, a .parquet file with a \"text\" column, or a folder of them");
        }
    }
}
