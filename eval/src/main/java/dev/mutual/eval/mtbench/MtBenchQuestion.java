package dev.mutual.eval.mtbench;

import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One MT-Bench question, a line of FastChat's {@code question.jsonl}:
 * {@code {"question_id": 81, "category": "writing", "turns": [first, second]}}.
 */
public record MtBenchQuestion(int questionId, String category, List<String> turns) {
    /** Categories whose grading shows the judge a reference answer (FastChat's NEED_REF_CATS). */
    public static final List<String> NEEDS_REFERENCE = List.of("math", "reasoning", "coding", "arena-hard-200");

    public MtBenchQuestion {
        turns = List.copyOf(turns);
    }

    public boolean needsReference() {
        return NEEDS_REFERENCE.contains(category);
    }

    public static List<MtBenchQuestion> read(Path file) {
        List<MtBenchQuestion> questions = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(file, "{\"question_id\", \"category\", \"turns\"}")) {
            List<String> turns = line.texts(line.node().get("turns"), "\"turns\"");
            if (turns.size() != 2) {
                throw new UserInputException(line.where() + ": expected 2 turns, found " + turns.size());
            }
            questions.add(new MtBenchQuestion(line.integer("question_id"), line.text("category"), turns));
        }
        return questions;
    }
}
