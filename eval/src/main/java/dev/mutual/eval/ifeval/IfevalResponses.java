package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a responses file in the reference's format: one {@code {"prompt": ..., "response": ...}} per line, matched
 * to the benchmark by the exact prompt text (as google-research {@code evaluation_main.py} does). A later line for
 * the same prompt replaces an earlier one, as in the reference's dict.
 */
public final class IfevalResponses {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IfevalResponses() {}

    /** Prompt text to response, in file order. */
    public static Map<String, String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": no such file (expected JSONL lines {\"prompt\": ..., \"response\": ...})");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, String> responses = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + ":" + (i + 1);
            JsonNode row;
            try {
                row = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                throw new UserInputException(where + ": not a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
            }
            JsonNode prompt = row.get("prompt");
            JsonNode response = row.get("response");
            if (prompt == null || !prompt.isTextual() || response == null || !response.isTextual()) {
                throw new UserInputException(where + ": expected string fields 'prompt' and 'response', found "
                        + (row.isObject() ? "fields " + fieldNames(row) : row.getNodeType()));
            }
            responses.put(prompt.asText(), response.asText());
        }
        if (responses.isEmpty()) throw new UserInputException(file + ": no responses (expected JSONL lines {\"prompt\", \"response\"})");
        return responses;
    }

    private static List<String> fieldNames(JsonNode row) {
        List<String> names = new java.util.ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
