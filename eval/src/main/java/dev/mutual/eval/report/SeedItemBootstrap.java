package dev.mutual.eval.report;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap of a strategy's difference from a baseline when both were trained with several seeds and
 * scored on the same items: seeds and items are crossed, so each resample draws the seeds (with replacement) and,
 * once, the items (with replacement) that every drawn seed is scored on. The statistic is the mean over the drawn
 * seeds of (run ratio - baseline ratio), where a ratio is sum(numerator) / sum(denominator) over the drawn items: a
 * mean for per-item scores (denominator 1), or a pooled rate such as IFEval's instruction-level accuracy (instructions
 * followed / instructions). With one seed and unit denominators it is {@link PairedBootstrap#meanDifference}, draw
 * for draw.
 *
 * @param resamples  number of bootstrap resamples, e.g. 10,000
 * @param seed       seed of the resampling generator
 * @param confidence coverage of the interval, e.g. 0.95
 */
public record SeedItemBootstrap(int resamples, long seed, double confidence) {
    public static final SeedItemBootstrap DEFAULT = new SeedItemBootstrap(10_000, 1234L, 0.95);

    public SeedItemBootstrap {
        if (resamples < 100) throw new IllegalArgumentException("resamples must be >= 100, got " + resamples);
        if (!(confidence > 0 && confidence < 1)) throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
    }

    /**
     * One side's per-item scores, seed by seed: {@code numerator[s][i]} and {@code denominator[s][i]} for seed s and
     * item i (the same items, in the same order, for every seed and on both sides).
     */
    public record Scores(double[][] numerator, double[][] denominator) {
        public Scores {
            if (numerator.length == 0) throw new IllegalArgumentException("no seeds");
            if (numerator.length != denominator.length) throw new IllegalArgumentException("numerator and denominator differ in seeds");
            for (int s = 0; s < numerator.length; s++) {
                if (numerator[s].length != numerator[0].length || denominator[s].length != numerator[0].length) {
                    throw new IllegalArgumentException("seed " + s + " has " + numerator[s].length + " items, seed 0 " + numerator[0].length);
                }
            }
        }

        /** Per-item means: every denominator 1. */
        public static Scores means(double[][] values) {
            double[][] ones = new double[values.length][];
            for (int s = 0; s < values.length; s++) {
                ones[s] = new double[values[s].length];
                Arrays.fill(ones[s], 1);
            }
            return new Scores(values, ones);
        }

        int seeds() {
            return numerator.length;
        }

        int items() {
            return numerator[0].length;
        }

        double ratio(int s, int[] items) {
            double num = 0, den = 0;
            for (int i : items) {
                num += numerator[s][i];
                den += denominator[s][i];
            }
            return num / den;
        }
    }

    /**
     * The observed difference and its interval.
     *
     * @param delta mean over seeds of (run - baseline) on all items
     * @param seeds seeds paired (run seed s with baseline seed s)
     * @param items items scored by both sides in every seed
     */
    public record Interval(double delta, double low, double high, int seeds, int items) {}

    /** The interval of run - base; seed s of the run is paired with seed s of the baseline. */
    public Interval difference(Scores run, Scores base) {
        if (run.seeds() != base.seeds()) throw new IllegalArgumentException("run has " + run.seeds() + " seeds, baseline " + base.seeds());
        if (run.items() != base.items()) throw new IllegalArgumentException("run has " + run.items() + " items, baseline " + base.items());
        int seeds = run.seeds(), n = run.items();
        if (n == 0) throw new IllegalArgumentException("no paired items to compare");
        int[] allSeeds = new int[seeds], allItems = new int[n];
        for (int s = 0; s < seeds; s++) allSeeds[s] = s;
        for (int i = 0; i < n; i++) allItems[i] = i;
        double observed = statistic(run, base, allSeeds, allItems);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        int[] drawnSeeds = new int[seeds], drawnItems = new int[n];
        for (int b = 0; b < resamples; b++) {
            if (seeds > 1) for (int s = 0; s < seeds; s++) drawnSeeds[s] = rng.nextInt(seeds);
            for (int i = 0; i < n; i++) drawnItems[i] = rng.nextInt(n);
            stats[b] = statistic(run, base, drawnSeeds, drawnItems);
        }
        Arrays.sort(stats);
        double alpha = 1 - confidence;
        return new Interval(observed, PairedBootstrap.quantile(stats, alpha / 2), PairedBootstrap.quantile(stats, 1 - alpha / 2), seeds, n);
    }

    private static double statistic(Scores run, Scores base, int[] seeds, int[] items) {
        double sum = 0;
        for (int s : seeds) sum += run.ratio(s, items) - base.ratio(s, items);
        return sum / seeds.length;
    }
}
