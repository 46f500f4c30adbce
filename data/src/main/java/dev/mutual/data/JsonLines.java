package dev.mutual.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a small JSON Lines file (one JSON object per line, blank lines skipped) into its lines with their
 * 1-based numbers, so that format-specific readers report errors as {@code FILE:LINE: what was expected, what was
 * found}. The standard errors live here: a missing file, a line that is not a JSON object. Large training data
 * goes through {@code dev.mutual.data.read.DataReader} instead, which streams and can skip bad records.
 */
public final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One non-blank line: its source (the file), its 1-based number and its object. */
    public record Line(String source, int number, JsonNode node) {
        /** "FILE:LINE", the prefix of every error about this line. */
        public String where() {
            return source + ":" + number;
        }

        /** A {@link UserInputException} "FILE:LINE: message". */
        public UserInputException error(String message) {
            return new UserInputException(where() + ": " + message);
        }

        /** A required string field. */
        public String text(String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isTextual()) throw error("expected a string field \"" + field + "\", found " + v);
            return v.asText();
        }

        /** A required integer field. */
        public int integer(String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
                throw error("expected an integer field \"" + field + "\", found " + v);
            }
            return v.asInt();
        }

        /** A non-empty list of strings, e.g. MT-Bench's "turns"; {@code what} names it in errors. */
        public List<String> texts(JsonNode array, String what) {
            if (array == null || !array.isArray() || array.isEmpty()) {
                throw error("expected " + what + " to be a non-empty list of strings, found " + array);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode t : array) {
                if (!t.isTextual()) throw error("expected " + what + " to hold strings, found " + t);
                out.add(t.asText());
            }
            return out;
        }
    }

    private JsonLines() {
    }

    /**
     * The non-blank lines of {@code file}, each a JSON object.
     *
     * @param expected what the file should hold, for error messages (e.g. "MT-Bench questions")
     * @throws UserInputException "FILE: no such file (expected ...)" or "FILE:LINE: not a JSON object (expected
     *                            ...): found ..." with Jackson's first message line for broken JSON
     */
    public static List<Line> read(Path file, String expected) {
        try {
            InputFiles.requireFile(file);
        } catch (UserInputException e) {
            throw new UserInputException(e.getMessage() + " (expected " + expected + ")");
        }
        try (Utf8LineReader in = new Utf8LineReader(Files.newInputStream(file), file.toString())) {
            List<Line> lines = new ArrayList<>();
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                Line line = parse(text, file.toString(), (int) in.lineNumber(), expected);
                if (line != null) lines.add(line);
            }
            return lines;
        } catch (IOException e) {
            UserInputException bad = InputFiles.readFailure(file, file.toString(), e);
            if (bad != null) throw bad;
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The same from an open reader (a classpath resource, say); {@code source} names it in errors.
     */
    public static List<Line> read(BufferedReader in, String source, String expected) throws IOException {
        List<Line> lines = new ArrayList<>();
        int number = 0;
        for (String text = in.readLine(); text != null; text = in.readLine()) {
            number++;
            Line line = parse(text, source, number, expected);
            if (line != null) lines.add(line);
        }
        return lines;
    }

    /** One line's object, or null for a blank line. */
    private static Line parse(String text, String source, int number, String expected) {
        if (text.isBlank()) return null;
        String where = source + ":" + number + ": not a JSON object (expected " + expected + "): ";
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UserInputException(where + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (!node.isObject()) throw new UserInputException(where + "found " + node.getNodeType().toString().toLowerCase());
        return new Line(source, number, node);
    }
}
