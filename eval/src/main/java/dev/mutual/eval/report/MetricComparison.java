package dev.mutual.eval.report;

import java.util.Objects;

/**
 * One row of a comparison: a run's score on one metric of one benchmark against the baseline's.
 *
 * @param benchmark     benchmark name
 * @param metric        metric name (a key of both runs' {@code results.json} metrics)
 * @param primary       whether this is the benchmark's primary metric
 * @param run           label of the compared run
 * @param score         the run's summary value from its results.json
 * @param baselineScore the baseline's summary value
 * @param delta         paired mean difference over shared items when per-item scores exist, else
 *                      {@code score - baselineScore}
 * @param ci            paired bootstrap interval of {@code delta}; null when the metric has no per-item scores
 * @param nPaired       items scored in both runs (0 without per-item scores)
 * @param nRun          items in the run
 * @param nBaseline     items in the baseline
 */
public record MetricComparison(String benchmark, String metric, boolean primary, String run, double score,
                               double baselineScore, double delta, PairedBootstrap.Interval ci, int nPaired,
                               int nRun, int nBaseline) {
    public MetricComparison {
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(run, "run");
    }

    /** True when the two runs did not score the same set of items, so the delta covers only the shared ones. */
    public boolean itemSetsDiffer() {
        return ci != null && (nPaired != nRun || nPaired != nBaseline);
    }
}
