package dev.mutual.eval.likelihood;

import java.util.Objects;

/**
 * A held-out (prompt, reference response) pair whose response likelihood measures fit to human-written answers.
 *
 * @param id       stable key (the data's "id", or the 0-based line index)
 * @param prompt   the instruction
 * @param response the reference response scored given the prompt
 */
public record HeldOutItem(String id, String prompt, String response) {
    public HeldOutItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(response, "response");
        if (response.isEmpty()) throw new IllegalArgumentException("item " + id + ": empty response");
    }

    public ScoringRequest request() {
        return new ScoringRequest(prompt, response);
    }
}
