package dev.mutual.eval.alpaca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the 805 AlpacaEval prompts, a line of {@code alpaca_eval_805_prompts.jsonl}:
 * {@code {"id": 0, "dataset": "helpful_base", "instruction": "..."}}.
 */
public record AlpacaPrompt(int id, String dataset, String instruction) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the prompts file; a bad line names the file and line. */
    public static List<AlpacaPrompt> read(Path file) {
        List<AlpacaPrompt> prompts = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(file, "alpaca_eval_805_prompts.jsonl")) {
            String where = line.where();
            JsonNode node = line.node();
            if (!node.path("id").isInt() || !node.path("instruction").isTextual()) {
                throw new UserInputException(where + ": expected {\"id\": int, \"dataset\": str, \"instruction\": str}, found " + node);
            }
            prompts.add(new AlpacaPrompt(node.get("id").asInt(), node.path("dataset").asText(""), node.get("instruction").asText()));
        }
        return prompts;
    }
}
