package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

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
        Map<String, String> responses = new LinkedHashMap<>();
        for (JsonLines.Line line : JsonLines.read(file, "JSONL lines {\"prompt\": ..., \"response\": ...}")) {
            JsonNode row = line.node();
            JsonNode prompt = row.get("prompt");
            JsonNode response = row.get("response");
            if (prompt == null || !prompt.isTextual() || response == null || !response.isTextual()) {
                throw line.error("expected string fields 'prompt' and 'response', found fields " + fieldNames(row));
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
