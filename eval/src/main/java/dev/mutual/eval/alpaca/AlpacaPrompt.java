package dev.mutual.eval.alpaca;

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

/**
 * One of the 805 AlpacaEval prompts, a line of {@code alpaca_eval_805_prompts.jsonl}:
 * {@code {"id": 0, "dataset": "helpful_base", "instruction": "..."}}.
 */
public record AlpacaPrompt(int id, String dataset, String instruction) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the prompts file; a bad line names the file and line. */
    public static List<AlpacaPrompt> read(Path file) {
        if (!Files.isRegularFile(file)) throw new UserInputException(file + ": no such file (expected alpaca_eval_805_prompts.jsonl)");
        List<AlpacaPrompt> prompts = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + ":" + (i + 1);
            JsonNode node;
            try {
                node = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                throw new UserInputException(where + ": not a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (!node.path("id").isInt() || !node.path("instruction").isTextual()) {
                throw new UserInputException(where + ": expected {\"id\": int, \"dataset\": str, \"instruction\": str}, found " + node);
            }
            prompts.add(new AlpacaPrompt(node.get("id").asInt(), node.path("dataset").asText(""), node.get("instruction").asText()));
        }
        return prompts;
    }
}
