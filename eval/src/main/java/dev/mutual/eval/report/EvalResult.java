package dev.mutual.eval.report;

import java.util.Map;
import java.util.Objects;

/**
 * The summary of one evaluation: an evaluator's {@code results.json}. Its per-item scores live beside it in
 * {@code samples.jsonl} ({@link EvalSample}), so that {@code mutual compare} can pair runs by item.
 *
 * @param benchmark     benchmark name, e.g. "ifeval", "alpaca_eval", "gsm8k"
 * @param version       version of the evaluator's spec (prompt, extraction, metric); bump when numbers change
 * @param metrics       metric name to value over all samples, e.g. {"prompt_level_strict_acc": 0.7685}
 * @param primaryMetric the metric a comparison leads with
 * @param n             number of evaluated samples
 * @param run           which model, data strategy and recipe produced the responses
 * @param settings      generation and evaluation settings (seeds, temperature, few-shot count, judge...)
 */
public record EvalResult(String benchmark, int version, Map<String, Double> metrics, String primaryMetric, int n,
                         RunInfo run, Map<String, Object> settings) {
    public EvalResult {
        Objects.requireNonNull(benchmark, "benchmark");
        metrics = Map.copyOf(metrics);
        if (!metrics.containsKey(primaryMetric)) {
            throw new IllegalArgumentException("primary metric '" + primaryMetric + "' is not among " + metrics.keySet());
        }
        run = run == null ? RunInfo.UNKNOWN : run;
        settings = settings == null ? Map.of() : settings;
    }

    /**
     * Where the evaluated responses came from; shown in comparison headers.
     *
     * @param model        model path or name
     * @param dataStrategy e.g. "seed-only", "main-mutual-filter", "reference responses"
     * @param recipe       recipe file (or "cli")
     * @param gitHash      Mutual's git commit, or "unknown"
     */
    public record RunInfo(String model, String dataStrategy, String recipe, String gitHash) {
        public static final RunInfo UNKNOWN = new RunInfo("unknown", "unknown", "unknown", "unknown");
    }
}
