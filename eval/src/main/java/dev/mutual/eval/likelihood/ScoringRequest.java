package dev.mutual.eval.likelihood;

import java.util.Objects;

/**
 * Score {@code continuation} given {@code context}: the sum of log p(token) over the continuation's tokens only.
 * The context is the raw prompt; a scorer for a chat model applies its chat template around it.
 *
 * @param context      text the model conditions on (a question, an instruction)
 * @param continuation text whose log-likelihood is wanted (" " + choice, or a reference response)
 */
public record ScoringRequest(String context, String continuation) {
    public ScoringRequest {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(continuation, "continuation");
        if (continuation.isEmpty()) throw new IllegalArgumentException("an empty continuation has no log-likelihood");
    }
}
