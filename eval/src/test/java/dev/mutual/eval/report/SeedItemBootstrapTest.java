package dev.mutual.eval.report;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeedItemBootstrapTest {

    private static double[] noisy(SplittableRandom rng, int n, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.nextDouble() < 0.3 + shift ? 1 : 0;
        return v;
    }

    @Test
    void oneSeedOfMeansIsThePairedBootstrapDrawForDraw() {
        SplittableRandom rng = new SplittableRandom(7);
        double[] run = noisy(rng, 80, 0.1), base = noisy(rng, 80, 0);
        PairedBootstrap.Interval paired = new PairedBootstrap(2000, 99, 0.95).meanDifference(run, base);
        SeedItemBootstrap.Interval crossed = new SeedItemBootstrap(2000, 99, 0.95)
                .difference(SeedItemBootstrap.Scores.means(new double[][] {run}), SeedItemBootstrap.Scores.means(new double[][] {base}));
        assertEquals(paired.delta(), crossed.delta(), 1e-12);
        assertEquals(paired.low(), crossed.low(), 1e-12);
        assertEquals(paired.high(), crossed.high(), 1e-12);
        assertEquals(1, crossed.seeds());
        assertEquals(80, crossed.items());
    }

    @Test
    void aPooledRateIsSumOverSumAndItsDeltaIsTheDifferenceOfRates() {
        // IFEval's instruction-level accuracy: prompts with 1, 3 and 2 instructions.
        double[][] followedRun = {{1, 3, 0}}, followedBase = {{0, 1, 1}}, instructions = {{1, 3, 2}};
        SeedItemBootstrap.Interval ci = SeedItemBootstrap.DEFAULT.difference(
                new SeedItemBootstrap.Scores(followedRun, instructions), new SeedItemBootstrap.Scores(followedBase, instructions));
        assertEquals(4.0 / 6 - 2.0 / 6, ci.delta(), 1e-12);
        assertTrue(ci.low() <= ci.delta() && ci.delta() <= ci.high(), ci.toString());
    }

    @Test
    void seedToSeedSpreadWidensTheInterval() {
        // Same items and item effects; the run's seeds disagree by +/-0.2 in a second case.
        SplittableRandom rng = new SplittableRandom(3);
        int n = 200;
        double[][] base = new double[3][n], steady = new double[3][n], shaky = new double[3][n];
        for (int i = 0; i < n; i++) {
            double item = rng.nextGaussian();
            for (int s = 0; s < 3; s++) {
                base[s][i] = item + 0.1 * rng.nextGaussian();
                steady[s][i] = item + 0.1 + 0.1 * rng.nextGaussian();
                shaky[s][i] = steady[s][i] + (s - 1) * 0.2;
            }
        }
        SeedItemBootstrap.Interval a = SeedItemBootstrap.DEFAULT.difference(SeedItemBootstrap.Scores.means(steady), SeedItemBootstrap.Scores.means(base));
        SeedItemBootstrap.Interval b = SeedItemBootstrap.DEFAULT.difference(SeedItemBootstrap.Scores.means(shaky), SeedItemBootstrap.Scores.means(base));
        assertEquals(a.delta(), b.delta(), 1e-12);  // the seed offsets cancel in the mean
        assertTrue(b.high() - b.low() > 3 * (a.high() - a.low()), a + " vs " + b);
        assertTrue(a.low() > 0, a.toString());
    }

    @Test
    void mismatchedShapesAreRefused() {
        SeedItemBootstrap.Scores two = SeedItemBootstrap.Scores.means(new double[][] {{1, 0}, {0, 1}});
        SeedItemBootstrap.Scores one = SeedItemBootstrap.Scores.means(new double[][] {{1, 0}});
        assertThrows(IllegalArgumentException.class, () -> SeedItemBootstrap.DEFAULT.difference(two, one));
        assertThrows(IllegalArgumentException.class, () -> SeedItemBootstrap.Scores.means(new double[][] {{1, 0}, {1}}));
    }
}
