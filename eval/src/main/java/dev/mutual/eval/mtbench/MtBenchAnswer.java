package dev.mutual.eval.mtbench;

import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's two answers to one MT-Bench question, a line of FastChat's {@code model_answer/MODEL.jsonl}:
 * {@code {"question_id": 81, "model_id": "...", "choices": [{"index": 0, "turns": [answer1, answer2]}]}}. The
 * reference answers ({@code reference_answer/gpt-4.jsonl}) use the same format.
 */
public record MtBenchAnswer(int questionId, String modelId, List<String> turns) {
    public MtBenchAnswer {
        turns = List.copyOf(turns);
    }

    /** Reads an answer file into question id -> answer; a question answered twice is an error. */
    public static Map<Integer, MtBenchAnswer> read(Path file) {
        Map<Integer, MtBenchAnswer> answers = new LinkedHashMap<>();
        for (JsonLines.Line line : JsonLines.read(file, "{\"question_id\", \"model_id\", \"choices\": [{\"turns\": [...]}]}")) {
            int id = line.integer("question_id");
            List<String> turns = line.texts(line.node().path("choices").path(0).get("turns"), "\"choices[0].turns\"");
            String model = line.node().path("model_id").asText(file.getFileName().toString().replaceFirst("\\.jsonl$", ""));
            if (answers.put(id, new MtBenchAnswer(id, model, turns)) != null) {
                throw new UserInputException(line.where() + ": question_id " + id + " is answered twice");
            }
        }
        return answers;
    }
}
