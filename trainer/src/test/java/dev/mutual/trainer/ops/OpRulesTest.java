package dev.mutual.trainer.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Each rule's backward against central finite differences of its own forward, in double (the scalar definitions the
 * engines' vector and SameDiff forms are checked against), and RoPE's rotate_half matrix against the hand-written one.
 */
class OpRulesTest {
    private static final double H = 1e-6;
    private final SplittableRandom rng = new SplittableRandom(11);

    @Test
    void ropeBackwardIsTheTransposedRotation() {
        for (int trial = 0; trial < 100; trial++) {
            double a = rng.nextGaussian(), b = rng.nextGaussian(), da = rng.nextGaussian(), db = rng.nextGaussian();
            double angle = 10 * rng.nextGaussian(), cos = Math.cos(angle), sin = Math.sin(angle);
            // L = da * first(a, b) + db * second(a, b): dL/da and dL/db by finite differences
            double fa = (loss(a + H, b, da, db, cos, sin) - loss(a - H, b, da, db, cos, sin)) / (2 * H);
            double fb = (loss(a, b + H, da, db, cos, sin) - loss(a, b - H, da, db, cos, sin)) / (2 * H);
            assertEquals(fa, RotaryEmbedding.firstBackward(da, db, cos, sin), 1e-8);
            assertEquals(fb, RotaryEmbedding.secondBackward(da, db, cos, sin), 1e-8);
            // a rotation keeps the length
            double x = RotaryEmbedding.first(a, b, cos, sin), y = RotaryEmbedding.second(a, b, cos, sin);
            assertEquals(a * a + b * b, x * x + y * y, 1e-12);
        }
    }

    private static double loss(double a, double b, double da, double db, double cos, double sin) {
        return da * RotaryEmbedding.first(a, b, cos, sin) + db * RotaryEmbedding.second(a, b, cos, sin);
    }

    @Test
    void rotateHalfMatrixIsHfsRotateHalf() {
        double[][] m = RotaryEmbedding.rotateHalfMatrix(4, 2);
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8}, out = new double[8];
        for (int i = 0; i < 8; i++) for (int j = 0; j < 8; j++) out[j] += x[i] * m[i][j];
        // rotate_half(x) = cat(-x2, x1) per head
        assertArrayEquals(new double[] {-3, -4, 1, 2, -7, -8, 5, 6}, out, 0);
    }

    @Test
    void swigluBackwardMatchesFiniteDifferences() {
        for (int trial = 0; trial < 100; trial++) {
            double gate = 6 * rng.nextGaussian(), up = rng.nextGaussian(), grad = rng.nextGaussian();
            double fg = grad * (act(gate + H, up) - act(gate - H, up)) / (2 * H);
            double fu = grad * (act(gate, up + H) - act(gate, up - H)) / (2 * H);
            double sig = SwiGluGate.sigmoid(gate);
            assertEquals(fg, SwiGluGate.gateBackward(grad, gate, sig, up), 1e-7 * (1 + Math.abs(fg)));
            assertEquals(fu, SwiGluGate.upBackward(grad, gate, sig), 1e-7 * (1 + Math.abs(fu)));
            assertEquals(act(gate, up), SwiGluGate.forward((float) gate, (float) up), 1e-5 * (1 + Math.abs(act(gate, up))));
        }
    }

    private static double act(double gate, double up) {
        return SwiGluGate.forward(gate, SwiGluGate.sigmoid(gate), up);
    }

    @Test
    void rmsNormBackwardMatchesFiniteDifferences() {
        int d = 7;
        double eps = 1e-5;
        double[] x = new double[d], g = new double[d], dy = new double[d];
        for (int j = 0; j < d; j++) {
            x[j] = rng.nextGaussian();
            g[j] = 1 + 0.3 * rng.nextGaussian();
            dy[j] = rng.nextGaussian();
        }
        double ss = 0, dot = 0;
        for (int j = 0; j < d; j++) ss += x[j] * x[j];
        double r = RmsNorm.inverseRms(ss, d, eps);
        for (int j = 0; j < d; j++) dot += dy[j] * g[j] * x[j];
        double k = RmsNorm.backwardFactor(r, dot, d);
        for (int i = 0; i < d; i++) {
            double[] plus = x.clone(), minus = x.clone();
            plus[i] += H;
            minus[i] -= H;
            double fd = (normLoss(plus, g, dy, eps) - normLoss(minus, g, dy, eps)) / (2 * H);
            assertEquals(fd, RmsNorm.inputGradient(r, dy[i], g[i], x[i], k), 1e-7);
        }
        // the fp32 row form is the same formula
        float[] xf = new float[d], gf = new float[d], out = new float[d];
        for (int j = 0; j < d; j++) {
            xf[j] = (float) x[j];
            gf[j] = (float) g[j];
        }
        RmsNorm.forward(out, 0, xf, 0, gf, d, eps);
        for (int j = 0; j < d; j++) assertEquals(x[j] * r * g[j], out[j], 1e-5);
    }

    private static double normLoss(double[] x, double[] g, double[] dy, double eps) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double r = RmsNorm.inverseRms(ss, x.length, eps), loss = 0;
        for (int j = 0; j < x.length; j++) loss += dy[j] * x[j] * r * g[j];
        return loss;
    }
}
