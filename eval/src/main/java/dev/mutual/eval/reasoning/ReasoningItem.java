package dev.mutual.eval.reasoning;

import java.util.Objects;

/**
 * One benchmark question with its gold answer.
 *
 * @param id       stable key: the dataset's id, or the 0-based line index where the dataset has none (GSM8K)
 * @param index    0-based position in the dataset file
 * @param question the question text
 * @param target   the gold answer as text: "18" for GSM8K, "yes"/"no" for StrategyQA
 */
public record ReasoningItem(String id, int index, String question, String target) {
    public ReasoningItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(target, "target");
    }
}
