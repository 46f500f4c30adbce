package dev.mutual.eval.likelihood;

import java.util.List;
import java.util.Objects;

/**
 * A multiple-choice question scored by log-likelihood.
 *
 * @param id      stable key (the data's "id", or the 0-based line index)
 * @param context the question or prompt the choices continue
 * @param choices the candidate answers, non-empty strings
 * @param gold    index of the right choice
 */
public record MultipleChoiceItem(String id, String context, List<String> choices, int gold) {
    public MultipleChoiceItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(context, "context");
        choices = List.copyOf(choices);
        if (choices.size() < 2) throw new IllegalArgumentException("item " + id + ": needs at least 2 choices, got " + choices.size());
        for (String c : choices) {
            if (c.isEmpty()) throw new IllegalArgumentException("item " + id + ": empty choice (acc_norm divides by its length)");
        }
        if (gold < 0 || gold >= choices.size()) {
            throw new IllegalArgumentException("item " + id + ": gold index " + gold + " outside 0.." + (choices.size() - 1));
        }
    }

    /** The request of choice {@code i}: the harness joins context and choice with a single space (target_delimiter). */
    public ScoringRequest request(int i) {
        return new ScoringRequest(context, " " + choices.get(i));
    }
}
