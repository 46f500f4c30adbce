package dev.mutual.eval.report;

import java.util.Map;
import java.util.Objects;

/**
 * One evaluated item, one line of an evaluator's {@code samples.jsonl}.
 *
 * @param id       stable key of the item inside its benchmark (dataset key or index); comparisons pair runs by it
 * @param prompt   what the model was asked
 * @param response what the model (or the responses file) answered
 * @param scores   metric name to value for this item (e.g. 1/0 for a verdict, a grade, a log-likelihood);
 *                 the names match the metrics of {@link EvalResult} that are means over samples
 * @param details  evaluator-specific extras kept for inspection (extracted answer, target, judge output...)
 */
public record EvalSample(String id, String prompt, String response, Map<String, Double> scores,
                         Map<String, Object> details) {
    public EvalSample {
        Objects.requireNonNull(id, "id");
        scores = scores == null ? Map.of() : Map.copyOf(scores);
        details = details == null ? Map.of() : details;
    }
}
