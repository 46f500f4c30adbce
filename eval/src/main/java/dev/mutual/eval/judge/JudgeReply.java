package dev.mutual.eval.judge;

import java.util.Map;
import java.util.Objects;

/**
 * What the judge answered.
 *
 * @param content           the assistant message text
 * @param firstTokenLogprobs log-probabilities of the alternatives for the first generated token (token text to
 *                          logprob), empty when not requested or not returned by the endpoint
 */
public record JudgeReply(String content, Map<String, Double> firstTokenLogprobs) {
    public JudgeReply {
        Objects.requireNonNull(content, "content");
        firstTokenLogprobs = firstTokenLogprobs == null ? Map.of() : Map.copyOf(firstTokenLogprobs);
    }
}
