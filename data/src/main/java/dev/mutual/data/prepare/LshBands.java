package dev.mutual.data.prepare;

/**
 * How a MinHash signature is cut into {@code bands} bands of {@code rows} rows for locality-sensitive hashing: two
 * items become candidates when all rows of at least one band agree, which happens with probability
 * {@code P(s) = 1 - (1 - s^rows)^bands} for Jaccard similarity s, an S-curve that rises around the threshold.
 */
public record LshBands(int bands, int rows) {
    public LshBands {
        if (bands < 1 || rows < 1) throw new IllegalArgumentException("bands and rows must be >= 1, got " + bands + "x" + rows);
    }

    /** P(two items with Jaccard similarity s share at least one band). */
    public double candidateProbability(double s) {
        return 1 - Math.pow(1 - Math.pow(s, rows), bands);
    }

    /**
     * The bands x rows (bands * rows <= numPerm) that minimise the mean of the false-positive area
     * (integral of P(s) over s below the threshold) and the false-negative area (integral of 1 - P(s) above it),
     * the criterion of datasketch's {@code MinHashLSH} with equal weights.
     */
    public static LshBands forThreshold(double threshold, int numPerm) {
        LshBands best = null;
        double bestError = Double.MAX_VALUE;
        for (int b = 1; b <= numPerm; b++) {
            for (int r = 1; r <= numPerm / b; r++) {
                LshBands candidate = new LshBands(b, r);
                double falsePositive = integrate(candidate, 0, threshold, false);
                double falseNegative = integrate(candidate, threshold, 1, true);
                double error = 0.5 * falsePositive + 0.5 * falseNegative;
                if (error < bestError) {
                    bestError = error;
                    best = candidate;
                }
            }
        }
        return best;
    }

    /** Simpson's rule with 200 intervals over [a, b] of P(s), or of 1 - P(s). */
    private static double integrate(LshBands lsh, double a, double b, boolean complement) {
        int n = 200;
        double h = (b - a) / n;
        double sum = 0;
        for (int i = 0; i <= n; i++) {
            double p = lsh.candidateProbability(a + i * h);
            double f = complement ? 1 - p : p;
            sum += f * (i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2));
        }
        return sum * h / 3;
    }
}
