package dev.mutual.eval.report;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap of the mean paired difference between two runs scored on the same items (Efron &amp;
 * Tibshirani 1993, ch. 13): resample item indices with replacement, take the mean of {@code run[i] - base[i]} over
 * the resample, and read the interval off the sorted resampled means. Pairing by item removes the between-item
 * variance that dominates benchmark scores, so the interval is much tighter than one from two unpaired runs.
 *
 * @param resamples  number of bootstrap resamples, e.g. 10,000
 * @param seed       seed of the resampling generator; the same seed gives the same interval
 * @param confidence coverage of the interval, e.g. 0.95
 */
public record PairedBootstrap(int resamples, long seed, double confidence) {
    public static final PairedBootstrap DEFAULT = new PairedBootstrap(10_000, 1234L, 0.95);

    public PairedBootstrap {
        if (resamples < 100) throw new IllegalArgumentException("resamples must be >= 100, got " + resamples);
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
        }
    }

    /**
     * The observed mean difference and its interval.
     *
     * @param delta mean of {@code run[i] - base[i]} over the n paired items
     * @param low   lower end of the interval
     * @param high  upper end of the interval
     * @param n     number of paired items
     */
    public record Interval(double delta, double low, double high, int n) {}

    /** Interval of mean(run - base); {@code run[i]} and {@code base[i]} score the same item. */
    public Interval meanDifference(double[] run, double[] base) {
        if (run.length != base.length) {
            throw new IllegalArgumentException("paired scores differ in length: " + run.length + " vs " + base.length);
        }
        int n = run.length;
        if (n == 0) throw new IllegalArgumentException("no paired items to compare");
        double[] diff = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            diff[i] = run[i] - base[i];
            sum += diff[i];
        }
        SplittableRandom rng = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += diff[rng.nextInt(n)];
            means[b] = s / n;
        }
        Arrays.sort(means);
        double alpha = 1 - confidence;
        return new Interval(sum / n, quantile(means, alpha / 2), quantile(means, 1 - alpha / 2), n);
    }

    /** Linear interpolation between order statistics (numpy's default "linear" percentile). */
    public static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
