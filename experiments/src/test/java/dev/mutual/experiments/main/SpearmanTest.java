package dev.mutual.experiments.main;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Spearman} against the textbook formula without ties and hand-checked cases with ties. */
class SpearmanTest {

    @Test
    void withoutTiesItIsTheTextbookFormula() {
        Random random = new Random(7);
        for (int trial = 0; trial < 100; trial++) {
            int n = 2 + random.nextInt(40);
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = random.nextGaussian();
                y[i] = x[i] + 2 * random.nextGaussian();
            }
            // 1 - 6 sum d^2 / (n (n^2 - 1)), d the rank differences (ranks by counting)
            double d2 = 0;
            for (int i = 0; i < n; i++) {
                int rx = 1, ry = 1;
                for (int j = 0; j < n; j++) {
                    if (x[j] < x[i]) rx++;
                    if (y[j] < y[i]) ry++;
                }
                d2 += (double) (rx - ry) * (rx - ry);
            }
            assertEquals(1 - 6 * d2 / (n * ((double) n * n - 1)), Spearman.rho(x, y), 1e-12, "trial " + trial);
        }
    }

    @Test
    void handCheckedCasesWithTies() {
        // ranks x [1, 2.5, 2.5, 4], y [1, 3, 2, 4]: cov 4.5, var 4.5 and 5: rho = 4.5 / sqrt(22.5) = sqrt(0.9)
        assertEquals(Math.sqrt(0.9), Spearman.rho(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4}), 1e-15);
        // monotone with ties on both sides: 1
        assertEquals(1.0, Spearman.rho(new double[] {1, 1, 2, 3}, new double[] {10, 10, 20, 30}), 1e-15);
        assertEquals(-1.0, Spearman.rho(new double[] {1, 2, 3}, new double[] {0.3, 0.2, 0.1}), 1e-15);
        // ranks x [1.5, 1.5, 3.5, 3.5], y [1, 2, 3, 4]: cov 4, var 4 and 5: rho = 4 / sqrt(20)
        assertEquals(4 / Math.sqrt(20), Spearman.rho(new double[] {0, 0, 1, 1}, new double[] {1, 2, 3, 4}), 1e-15);
        assertTrue(Double.isNaN(Spearman.rho(new double[] {1, 1, 1}, new double[] {1, 2, 3})), "a constant has no ranking");
    }
}
