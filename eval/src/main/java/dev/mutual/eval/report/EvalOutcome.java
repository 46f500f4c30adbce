package dev.mutual.eval.report;

import java.util.List;

/**
 * A finished evaluation, ready for {@link EvalResultFiles#write}.
 *
 * @param result  the summary
 * @param samples one line per scored item
 */
public record EvalOutcome(EvalResult result, List<EvalSample> samples) {
    public EvalOutcome {
        samples = List.copyOf(samples);
    }
}
