package dev.mutual.eval.alpaca;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads alpaca_eval's JSON files (a top-level array of objects) keeping each object's line, so that errors can
 * say {@code file:line (entry i)}.
 */
final class JsonArrayFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One object of the array: its 0-based position, the line it starts on, and its fields. */
    record Entry(Path file, int index, int line, JsonNode node) {
        /** "file:line (entry i)" for error messages. */
        String where() {
            return file + ":" + line + " (entry " + index + ")";
        }

        /** A required string field. */
        String text(String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isTextual()) {
                throw new UserInputException(where() + ": expected a string field \"" + field + "\", found "
                        + (v == null ? "none" : v.getNodeType().toString().toLowerCase()));
            }
            return v.asText();
        }

        /** An optional string field, or {@code fallback}. */
        String text(String field, String fallback) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? fallback : v.asText();
        }
    }

    private JsonArrayFile() {}

    static List<Entry> read(Path file) {
        InputFiles.requireFile(file);
        List<Entry> entries = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new UserInputException(file + ": expected a JSON array of objects, found " + parser.currentToken());
            }
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                int line = parser.currentTokenLocation().getLineNr();
                if (t != JsonToken.START_OBJECT) {
                    throw new UserInputException(file + ":" + line + " (entry " + entries.size()
                            + "): expected a JSON object, found " + t);
                }
                entries.add(new Entry(file, entries.size(), line, JSON.readTree(parser)));
            }
        } catch (IOException e) {
            throw new UserInputException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return entries;
    }
}
