package dev.mutual.eval.ifeval;

import java.util.List;
import java.util.Objects;

/**
 * The verdicts on one response: per instruction, strictly and loosely.
 *
 * @param prompt   the prompt and its instructions
 * @param response the evaluated response
 * @param strict   per instruction, whether the response as given follows it
 * @param loose    per instruction, whether the response or one of its loose variants follows it
 */
public record IfevalVerdict(IfevalPrompt prompt, String response, List<Boolean> strict, List<Boolean> loose) {
    public IfevalVerdict {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(response, "response");
        strict = List.copyOf(strict);
        loose = List.copyOf(loose);
        int n = prompt.instructions().size();
        if (strict.size() != n || loose.size() != n) {
            throw new IllegalArgumentException("prompt " + prompt.key() + " has " + n + " instructions, verdicts "
                    + strict.size() + " strict and " + loose.size() + " loose");
        }
    }

    public boolean followsAllStrict() {
        return !strict.contains(false);
    }

    public boolean followsAllLoose() {
        return !loose.contains(false);
    }

    /** The verdicts in the given mode. */
    public List<Boolean> verdicts(boolean strictMode) {
        return strictMode ? strict : loose;
    }
}
