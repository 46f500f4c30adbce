package dev.mutual.eval.reasoning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads responses generated elsewhere: JSON lines, each with the response in {@code "response"} (or
 * {@code "output"}) and the item it answers named by {@code "id"} (the item id, as in a file written by
 * {@code --write-prompts}), {@code "index"} (0-based line of the dataset) or {@code "question"} (its exact text).
 * Every response must name a dataset item, once.
 */
public final class ResponsesFile {
    private ResponsesFile() {}

    /** Item id to response text. */
    public static Map<String, String> read(Path file, List<ReasoningItem> items) {
        Map<String, ReasoningItem> byId = new HashMap<>();
        Map<String, ReasoningItem> byQuestion = new HashMap<>();
        for (ReasoningItem item : items) {
            byId.put(item.id(), item);
            byQuestion.putIfAbsent(item.question(), item);
        }
        Map<String, String> responses = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        for (JsonLines.Line line : JsonLines.read(file, "responses, {\"response\"} with \"id\", \"index\" or \"question\"")) {
            String where = line.where() + ": ";
            JsonNode row = line.node();
            JsonNode response = row.has("response") ? row.get("response") : row.get("output");
            if (response == null || !response.isTextual()) {
                throw new UserInputException(where + "expected a string \"response\" (or \"output\"), found " + response);
            }
            ReasoningItem item;
            if (row.hasNonNull("id")) {
                item = byId.get(row.get("id").asText());
                if (item == null) throw new UserInputException(where + "id '" + row.get("id").asText() + "' is not an item of the dataset");
            } else if (row.hasNonNull("index")) {
                int index = row.get("index").asInt(-1);
                if (!row.get("index").canConvertToInt() || index < 0 || index >= items.size()) {
                    throw new UserInputException(where + "expected \"index\" between 0 and " + (items.size() - 1) + ", found " + row.get("index"));
                }
                item = items.get(index);
            } else if (row.hasNonNull("question")) {
                item = byQuestion.get(row.get("question").asText());
                if (item == null) throw new UserInputException(where + "question not found in the dataset: " + row.get("question").asText());
            } else {
                throw new UserInputException(where + "expected \"id\", \"index\" or \"question\" naming the item answered");
            }
            Integer before = lineOf.put(item.id(), line.number());
            if (before != null) throw new UserInputException(where + "item '" + item.id() + "' already answered on line " + before);
            responses.put(item.id(), response.asText());
        }
        if (responses.isEmpty()) throw new UserInputException(file + ": no responses");
        return responses;
    }
}
