package dev.mutual.trainer.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Softmax and log-sum-exp: the vector paths against their scalar twins (the exps bit for bit, sums within a few ulp),
 * the twins against the definitions in double, the backward against finite differences, masked rows, rows with -inf
 * and extreme values, at lengths that are and are not multiples of the vector width.
 */
class SoftmaxTest {
    private static final int L = Softmax.S.length();
    /** Lengths around the vector width and past it, a tile and a vocabulary-sized row. */
    private static final int[] LENGTHS = {1, 2, L - 1, L, L + 1, 2 * L - 1, 3 * L + 5, 100, 512, 4099, 32003};
    private final SplittableRandom rng = new SplittableRandom(17);

    private float[] row(int n, double scale, int pad) {
        float[] x = new float[n + 2 * pad];
        for (int i = 0; i < x.length; i++) x[i] = (float) (scale * rng.nextGaussian());
        return x;
    }

    private static double[] widen(float[] x, int o, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = x[o + i];
        return d;
    }

    /** |a - b| in units of the float ulp of the larger magnitude. */
    private static double ulps(double a, double b) {
        return Math.abs(a - b) / Math.ulp((float) Math.max(Math.abs(a), Math.abs(b)));
    }

    @Test
    void vectorPathsAgreeWithTheScalarTwins() {
        for (int n : LENGTHS) {
            for (double scale : new double[] {0.1, 3, 30}) {
                int o = 3;   // an offset, so that the vector loads start off the array's start
                float[] x = row(n, scale, o);
                assertEquals(Softmax.maxScalar(x, o, n), Softmax.max(x, o, n), 0f);
                // the exps are the same floats, only the sum's order differs
                float[] ev = x.clone(), es = x.clone();
                float max = Softmax.max(x, o, n);
                float sv = Softmax.exps(ev, o, n, max), ss = Softmax.expsScalar(es, o, n, max);
                for (int i = 0; i < x.length; i++) assertEquals(Float.floatToRawIntBits(es[i]), Float.floatToRawIntBits(ev[i]), "n " + n + " at " + i);
                assertTrue(ulps(sv, ss) <= 2 + n / 64.0, "n " + n + ": sums " + sv + " vs " + ss);
                double lv = Softmax.logSumExp(x, o, n), ls = Softmax.logSumExpScalar(x, o, n);
                assertEquals(ls, lv, 1e-6 * Math.max(1, Math.abs(ls)), "n " + n);
                float[] yv = x.clone(), ys = x.clone();
                Softmax.forward(yv, o, n);
                Softmax.forwardScalar(ys, o, n);
                for (int i = 0; i < x.length; i++) {
                    if (i < o || i >= o + n) assertEquals(x[i], yv[i], 0f, "outside the row");
                    // y = e / sum with the same e: the sums' difference (relative), plus the quotient's rounding
                    else assertTrue(ulps(yv[i], ys[i]) <= 2 * (2 + n / 64.0) + 1, "n " + n + " y[" + i + "] " + yv[i] + " vs " + ys[i]);
                }
                float[] dyv = row(n, 1, o), dys = dyv.clone();
                Softmax.backward(yv, o, dyv, o, n);
                Softmax.backwardScalar(yv, o, dys, o, n);
                for (int i = o; i < o + n; i++) assertEquals(dys[i], dyv[i], 1e-6 * (Math.abs(dys[i]) + yv[i]), "n " + n + " dx[" + i + "]");
            }
        }
    }

    @Test
    void scalarTwinsAgreeWithTheDefinitionsInDouble() {
        for (int n : LENGTHS) {
            for (double scale : new double[] {0.1, 3, 30}) {
                float[] x = row(n, scale, 0);
                double[] d = widen(x, 0, n);
                double lse = Softmax.logSumExp(d, 0, n);
                assertEquals(lse, Softmax.logSumExpF64(x, 0, n), 0);
                // e^(x - max) within 3 ulp each (Exp), x - max rounded to float: |x - max| * 2^-24 in the exponent
                double tol = 4e-7 + Math.abs(scale) * 8 * 0x1p-24;
                assertEquals(lse, Softmax.logSumExpScalar(x, 0, n), tol * Math.max(1, Math.abs(lse)), "n " + n);
                assertEquals(lse, Softmax.logSumExp(x, 0, n), tol * Math.max(1, Math.abs(lse)) + 1e-6, "n " + n);
                float[] y = x.clone();
                Softmax.forwardScalar(y, 0, n);
                double[] yd = d.clone();
                Softmax.forward(yd, 0, n);
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    assertEquals(yd[i], Math.exp(d[i] - lse), 1e-12 * (1 + yd[i] * n));
                    // relative: the exp's error, the float sum's (n terms), one rounding of the quotient; absolute: the
                    // clamp at e^-87 (a weight the definition puts below 1.6e-38 is at most e^-87 / sum)
                    assertEquals(yd[i], y[i], yd[i] * (tol + n * 0x1p-24) + 1.7e-38, "n " + n + " y[" + i + "]");
                    sum += yd[i];
                }
                assertEquals(1, sum, 1e-12 * n);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        double h = 1e-6;
        for (int n : new int[] {1, 2, 7, 19}) {
            double[] x = new double[n], dy = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = 3 * rng.nextGaussian();
                dy[i] = rng.nextGaussian();
            }
            // L(x) = sum_j dy_j softmax(x)_j; dL/dx by the backward and by central differences
            double[] y = x.clone();
            Softmax.forward(y, 0, n);
            double[] dx = dy.clone();
            Softmax.backward(y, 0, dx, 0, n);
            double total = 0;
            for (int i = 0; i < n; i++) {
                double[] plus = x.clone(), minus = x.clone();
                plus[i] += h;
                minus[i] -= h;
                assertEquals((loss(plus, dy, null) - loss(minus, dy, null)) / (2 * h), dx[i], 1e-8, "n " + n + " at " + i);
                total += dx[i];
            }
            assertEquals(0, total, 1e-12);   // softmax is invariant to a shift, so its gradient sums to 0
            // the float forms follow the same rule
            float[] yf = new float[n], dxf = new float[n], dxv = new float[n];
            for (int i = 0; i < n; i++) {
                yf[i] = (float) y[i];
                dxf[i] = (float) dy[i];
            }
            System.arraycopy(dxf, 0, dxv, 0, n);
            Softmax.backwardScalar(yf, 0, dxf, 0, n);
            Softmax.backward(yf, 0, dxv, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(dx[i], dxf[i], 1e-6);
                assertEquals(dx[i], dxv[i], 1e-6);
            }
        }
    }

    @Test
    void maskedSoftmaxGivesHiddenKeysZeroAndItsBackwardMatchesFiniteDifferences() {
        double h = 1e-6;
        int n = 13;
        java.util.function.IntPredicate visible = j -> j % 3 != 1 && j != 12;
        double[] x = new double[n], dy = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 2 * rng.nextGaussian();
            dy[i] = rng.nextGaussian();
        }
        x[1] = 1e30;                          // hidden keys' scores do not matter, however large
        x[4] = Double.NaN;
        x[12] = Double.POSITIVE_INFINITY;
        double[] y = x.clone();
        Softmax.forwardMasked(y, 0, n, visible);
        double[] sub = new double[n];         // softmax over the visible keys alone
        int m = 0;
        for (int j = 0; j < n; j++) if (visible.test(j)) sub[m++] = x[j];
        Softmax.forward(sub, 0, m);
        double sum = 0;
        for (int j = 0, k = 0; j < n; j++) {
            if (visible.test(j)) assertEquals(sub[k++], y[j], 0);
            else assertEquals(0, y[j], 0, "hidden key " + j);
            sum += y[j];
        }
        assertEquals(1, sum, 1e-12);
        double[] dx = dy.clone();
        Softmax.backward(y, 0, dx, 0, n);
        for (int i = 0; i < n; i++) {
            if (!visible.test(i)) {
                assertEquals(0, dx[i], 0, "hidden key " + i);
                continue;
            }
            double[] plus = x.clone(), minus = x.clone();
            plus[i] += h;
            minus[i] -= h;
            assertEquals((loss(plus, dy, visible) - loss(minus, dy, visible)) / (2 * h), dx[i], 1e-8, "key " + i);
        }
        // no visible key: zeros, not NaN
        double[] none = {1, 2, 3};
        Softmax.forwardMasked(none, 0, 3, j -> false);
        for (double v : none) assertEquals(0, v, 0);
    }

    private static double loss(double[] x, double[] dy, java.util.function.IntPredicate visible) {
        double[] y = x.clone();
        Softmax.forwardMasked(y, 0, y.length, visible);
        double l = 0;
        for (int i = 0; i < y.length; i++) l += dy[i] * y[i];
        return l;
    }

    @Test
    void minusInfinityEntriesGetNoWeightAndAllMinusInfinityRowsNoNaN() {
        for (int n : new int[] {1, L - 1, L + 3, 100}) {
            float[] x = row(n, 2, 0);
            for (int i = 0; i < n; i += 3) x[i] = Float.NEGATIVE_INFINITY;
            boolean anyFinite = n > 1;
            double[] d = widen(x, 0, n);
            double lse = Softmax.logSumExp(d, 0, n);
            float[] yv = x.clone(), ys = x.clone();
            Softmax.forward(yv, 0, n);
            Softmax.forwardScalar(ys, 0, n);
            double[] yd = d.clone();
            Softmax.forward(yd, 0, n);
            for (int i = 0; i < n; i++) {
                assertTrue(!Float.isNaN(yv[i]) && !Float.isNaN(ys[i]) && !Double.isNaN(yd[i]), "NaN at " + i);
                if (x[i] == Float.NEGATIVE_INFINITY) {
                    assertEquals(0, yd[i], 0);
                    // float e^x clamps at e^-87: a weight below 2e-38, nothing beside the max's e^0 = 1
                    assertTrue(yv[i] >= 0 && yv[i] < 2e-38f && ys[i] < 2e-38f, "y[" + i + "] = " + yv[i]);
                } else {
                    assertEquals(yd[i], yv[i], 1e-6 * yd[i] + 1e-38);
                }
            }
            if (anyFinite) {
                assertTrue(Double.isFinite(lse));
                assertEquals(lse, Softmax.logSumExp(x, 0, n), 1e-5);
                assertEquals(lse, Softmax.logSumExpScalar(x, 0, n), 1e-5);
            }
        }
        for (int n : new int[] {1, L, 2 * L + 1}) {
            float[] x = new float[n];
            java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
            assertEquals(Double.NEGATIVE_INFINITY, Softmax.logSumExp(x, 0, n));
            assertEquals(Double.NEGATIVE_INFINITY, Softmax.logSumExpScalar(x, 0, n));
            assertEquals(Double.NEGATIVE_INFINITY, Softmax.logSumExpF64(x, 0, n));
            assertEquals(Double.NEGATIVE_INFINITY, Softmax.logSumExp(widen(x, 0, n), 0, n));
            float[] yv = x.clone(), ys = x.clone();
            Softmax.forward(yv, 0, n);
            Softmax.forwardScalar(ys, 0, n);
            double[] yd = widen(x, 0, n);
            Softmax.forward(yd, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(0f, yv[i]);
                assertEquals(0f, ys[i]);
                assertEquals(0.0, yd[i]);
            }
        }
    }

    @Test
    void extremeFiniteValuesNeitherOverflowNorGiveNaN() {
        for (int n : new int[] {2, L + 1, 3 * L + 2, 1000}) {
            float[] x = row(n, 1, 0);
            x[0] = Float.MAX_VALUE;
            x[n - 1] = -Float.MAX_VALUE;          // x - max overflows to -inf: weight 0 (double) or e^-87 (float)
            if (n > 2) x[1] = Float.MAX_VALUE;    // two maxima share the mass
            int maxima = n > 2 ? 2 : 1;
            for (boolean vector : new boolean[] {true, false}) {
                double lse = vector ? Softmax.logSumExp(x, 0, n) : Softmax.logSumExpScalar(x, 0, n);
                assertEquals(Float.MAX_VALUE + Math.log(maxima), lse, Math.ulp((double) Float.MAX_VALUE));
                float[] y = x.clone();
                if (vector) Softmax.forward(y, 0, n);
                else Softmax.forwardScalar(y, 0, n);
                for (int i = 0; i < n; i++) {
                    assertTrue(Float.isFinite(y[i]) && y[i] >= 0, "y[" + i + "] = " + y[i]);
                    if (i < maxima) assertEquals(1f / maxima, y[i], 1e-6f);
                    else assertTrue(y[i] < 2e-38f);
                }
            }
            double[] d = widen(x, 0, n);
            assertEquals(Float.MAX_VALUE + Math.log(maxima), Softmax.logSumExp(d, 0, n), Math.ulp((double) Float.MAX_VALUE));
            Softmax.forward(d, 0, n);
            for (int i = 0; i < n; i++) assertEquals(i < maxima ? 1.0 / maxima : 0, d[i], 0);
        }
    }

    @Test
    void tiledLogSumExpCombinesToTheWholeRows() {
        // Decoder.targetLogprobs: log-sum-exp per tile of 512 columns, then log-sum-exp over the tiles' values
        for (int n : new int[] {1, 511, 512, 513, 4099, 32003}) {
            float[] x = row(n, 4, 0);
            int tile = 512, tiles = (n + tile - 1) / tile;
            double[] exact = new double[tiles], vector = new double[tiles];
            for (int t = 0; t < tiles; t++) {
                int n0 = t * tile, len = Math.min(n, n0 + tile) - n0;
                exact[t] = Softmax.logSumExpF64(x, n0, len);
                vector[t] = Softmax.logSumExp(x, n0, len);
            }
            double whole = Softmax.logSumExpF64(x, 0, n);
            assertEquals(whole, Softmax.logSumExp(exact, 0, tiles), 1e-12 * Math.abs(whole) + 1e-12, "n " + n);
            assertEquals(whole, Softmax.logSumExp(vector, 0, tiles), 2e-6, "n " + n);
            assertEquals(Softmax.logSumExpScalar(x, 0, n), Softmax.logSumExp(vector, 0, tiles), 2e-6, "n " + n);
        }
    }
}
