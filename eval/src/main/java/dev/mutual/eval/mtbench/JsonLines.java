package dev.mutual.eval.mtbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** FastChat's data files are JSON Lines; this reads them keeping line numbers for error messages. */
final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One line: "file:line" and its object. */
    record Line(String where, JsonNode node) {
        int integer(String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
                throw new UserInputException(where + ": expected an integer field \"" + field + "\", found " + v);
            }
            return v.asInt();
        }

        String text(String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isTextual()) {
                throw new UserInputException(where + ": expected a string field \"" + field + "\", found " + v);
            }
            return v.asText();
        }

        /** A list of strings, e.g. "turns". */
        List<String> texts(JsonNode array, String what) {
            if (array == null || !array.isArray() || array.isEmpty()) {
                throw new UserInputException(where + ": expected " + what + " to be a non-empty list of strings, found " + array);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode t : array) {
                if (!t.isTextual()) throw new UserInputException(where + ": expected " + what + " to hold strings, found " + t);
                out.add(t.asText());
            }
            return out;
        }
    }

    private JsonLines() {}

    static List<Line> read(Path file, String expected) {
        if (!Files.isRegularFile(file)) throw new UserInputException(file + ": no such file (expected " + expected + ")");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + ":" + (i + 1);
            try {
                JsonNode node = JSON.readTree(lines.get(i));
                if (!node.isObject()) throw new UserInputException(where + ": expected a JSON object (" + expected + "), found " + node.getNodeType());
                out.add(new Line(where, node));
            } catch (IOException e) {
                throw new UserInputException(where + ": not JSON (expected " + expected + "): " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return out;
    }
}
