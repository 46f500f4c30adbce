package dev.mutual.eval.reasoning;

import java.util.Objects;

/**
 * One few-shot chain-of-thought demonstration: a question and a worked answer that ends in the phrase the
 * strict extraction looks for ("The answer is 6.", "So the answer is yes.").
 *
 * @param question the question as it appears after "Q: "
 * @param answer   the reasoning and final answer as it appears after "A: "
 */
public record CotExemplar(String question, String answer) {
    public CotExemplar {
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
    }
}
