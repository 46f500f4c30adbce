package dev.mutual.experiments.main;

/**
 * Spearman's rank correlation: the Pearson correlation of the two variables' ranks, tied values given the average
 * of the ranks they span (the definition that stays exact with ties, as scipy.stats.spearmanr computes it).
 */
public final class Spearman {

    private Spearman() {}

    /**
     * @return rho in [-1, 1], or NaN when either variable is constant (no ranking to correlate)
     * @throws IllegalArgumentException for arrays of different lengths, fewer than 2 values or a NaN
     */
    public static double rho(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException(x.length + " x values but " + y.length + " y values");
        if (x.length < 2) throw new IllegalArgumentException("Spearman's rho needs at least 2 pairs, found " + x.length);
        double[] rx = Ranks.average(x), ry = Ranks.average(y);
        double mean = (x.length + 1) / 2.0; // the mean of ranks 1..n, ties or not
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.length; i++) {
            double dx = rx[i] - mean, dy = ry[i] - mean;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return Double.NaN;
        return sxy / Math.sqrt(sxx * syy);
    }
}
