package dev.mutual.eval.report;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class PairedBootstrapTest {

    @Test
    void identicalRunsGiveZeroDeltaAndZeroWidthInterval() {
        double[] scores = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1};
        PairedBootstrap.Interval ci = PairedBootstrap.DEFAULT.meanDifference(scores, scores.clone());
        assertEquals(0.0, ci.delta());
        assertEquals(0.0, ci.low());
        assertEquals(0.0, ci.high());
        assertEquals(10, ci.n());
    }

    @Test
    void constantShiftGivesThatShiftAndATightInterval() {
        // every item gains exactly 0.25 (exact in binary), whatever its own score
        double[] base = new double[200];
        double[] run = new double[200];
        Random r = new Random(7);
        for (int i = 0; i < base.length; i++) {
            base[i] = r.nextInt(4) * 0.25;
            run[i] = base[i] + 0.25;
        }
        PairedBootstrap.Interval ci = PairedBootstrap.DEFAULT.meanDifference(run, base);
        assertEquals(0.25, ci.delta(), 1e-15);
        assertEquals(0.25, ci.low(), 1e-12);
        assertEquals(0.25, ci.high(), 1e-12);
    }

    @Test
    void widthMatchesTheNormalApproximationOnALargeSample() {
        // 5,000 items; run and base are independent Bernoulli(0.6) and Bernoulli(0.5) verdicts, so the per-item
        // difference has mean ~0.1. CLT: the 95% interval of the mean is delta +- 1.96 * sd / sqrt(n).
        int n = 5000;
        double[] base = new double[n];
        double[] run = new double[n];
        Random r = new Random(42);
        for (int i = 0; i < n; i++) {
            base[i] = r.nextDouble() < 0.5 ? 1 : 0;
            run[i] = r.nextDouble() < 0.6 ? 1 : 0;
        }
        double mean = 0;
        for (int i = 0; i < n; i++) mean += run[i] - base[i];
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) var += Math.pow(run[i] - base[i] - mean, 2);
        double halfWidth = 1.959964 * Math.sqrt(var / n) / Math.sqrt(n);

        PairedBootstrap.Interval ci = PairedBootstrap.DEFAULT.meanDifference(run, base);
        assertEquals(mean, ci.delta(), 1e-12);
        assertEquals(2 * halfWidth, ci.high() - ci.low(), 0.05 * 2 * halfWidth, "width within 5% of the normal approximation");
        assertEquals(mean, (ci.low() + ci.high()) / 2, 0.1 * halfWidth, "interval centred on the delta");
    }

    @Test
    void sameSeedSameIntervalOtherSeedSlightlyDifferent() {
        double[] base = {0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1};
        double[] run = {1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0};
        PairedBootstrap a = new PairedBootstrap(2000, 1, 0.95);
        assertEquals(a.meanDifference(run, base), a.meanDifference(run, base));
        assertNotEquals(a.meanDifference(run, base), new PairedBootstrap(2000, 2, 0.95).meanDifference(run, base));
    }

    @Test
    void quantileInterpolatesLikeNumpy() {
        double[] sorted = {1, 2, 3, 4};
        assertEquals(1.075, PairedBootstrap.quantile(sorted, 0.025), 1e-12); // numpy.percentile([1,2,3,4], 2.5)
        assertEquals(3.925, PairedBootstrap.quantile(sorted, 0.975), 1e-12);
        assertEquals(2.5, PairedBootstrap.quantile(sorted, 0.5), 1e-12);
    }
}
