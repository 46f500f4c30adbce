package dev.mutual.trainer.inference;

import dev.mutual.trainer.ops.Exp;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Vector API kernels against the scalar reference kernels and java.lang.Math. */
class KernelsTest {
    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void packedVectorMatmulEqualsScalarOnRaggedShapes() {
        Random r = new Random(11);
        // n not a multiple of the panel, rows not a multiple of 4, with and without bias, column ranges split
        for (int[] shape : new int[][] {{1, 7, 5}, {5, 33, 64}, {9, 100, 17}, {4, 2 * Kernels.PANEL, 8}, {13, 3 * Kernels.PANEL + 1, 40}}) {
            int rows = shape[0], n = shape[1], k = shape[2];
            float[] x = random(r, rows * k), w = random(r, n * k), bias = random(r, n);
            for (float[] b : new float[][] {null, bias}) {
                float[] want = new float[rows * n], got = new float[rows * n];
                Kernels.matmulScalar(want, x, rows, w, b, 0, n, n, k);
                float[] packed = Kernels.pack(w, n, k);
                int split = n > Kernels.PANEL ? Kernels.PANEL : n;
                Kernels.matmulVector(got, x, rows, packed, b, 0, split, n, k);
                Kernels.matmulVector(got, x, rows, packed, b, split, n, n, k);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 2e-5 * Math.sqrt(k), "shape " + rows + "x" + n + "x" + k);
            }
        }
    }

    @Test
    void vectorMatmulRowsDoNotDependOnTheirNeighbours() {
        Random r = new Random(12);
        int rows = 11, n = 70, k = 24;
        float[] x = random(r, rows * k), w = random(r, n * k), packed = Kernels.pack(w, n, k);
        float[] all = new float[rows * n];
        Kernels.matmulVector(all, x, rows, packed, null, 0, n, n, k);
        for (int m = 0; m < rows; m++) {
            float[] one = new float[n];
            Kernels.matmulVector(one, java.util.Arrays.copyOfRange(x, m * k, (m + 1) * k), 1, packed, null, 0, n, n, k);
            assertArrayEquals(java.util.Arrays.copyOfRange(all, m * n, (m + 1) * n), one, 0f, "row " + m);
        }
    }

    @Test
    void vectorExpIsWithinFourUlpOfMathExp() {
        float[] xs = new float[Kernels.L], e = new float[Kernels.L];
        double worst = 0;
        for (float x = -87f; x < 87.9f; x += 0.0071f * Kernels.L) {
            for (int i = 0; i < xs.length; i++) xs[i] = x + i * 0.0071f;
            Exp.exp(FloatVector.fromArray(Kernels.S, xs, 0)).intoArray(e, 0);
            for (int i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(e[i] - Math.exp(xs[i])) / Math.exp(xs[i]));
        }
        assertTrue(worst < 4 * 0x1p-23, "max relative error " + worst);
    }

    @Test
    void swigluAgreesAcrossPaths() {
        // (log-sum-exp and softmax moved to ops.Softmax: SoftmaxTest)
        Random r = new Random(13);
        float[] g1 = random(r, 77), u = random(r, 77), g2 = g1.clone();
        Kernels.swiglu(g1, u, 77, false);
        Kernels.swiglu(g2, u, 77, true);
        assertArrayEquals(g1, g2, 1e-6f);
    }

    @Test
    void attentionKernelsAgreeAcrossPathsAndWithPlainLoops() {
        // hd 70: two 4-vector blocks, no single-vector block, a scalar tail of 6; hd 12: one vector and a tail of 4
        Random r = new Random(14);
        for (int hd : new int[] {70, 12}) {
            int rows = 9, stride = hd + 3; // keys of a KV head sit stride floats apart
            float[] q = random(r, hd), kv = random(r, rows * stride), p = random(r, rows + 2);
            float[] sv = new float[rows + 2], ss = new float[rows + 2];
            float maxV = Kernels.dots(sv, 2, rows + 2, q, 0, kv, 1, stride, hd, 0.5f, -1e30f, true);
            float maxS = Kernels.dots(ss, 2, rows + 2, q, 0, kv, 1, stride, hd, 0.5f, -1e30f, false);
            float[] outV = random(r, hd + 5), outS = outV.clone(), plain = outV.clone();
            Kernels.weightedSum(outV, 5, p, 2, rows + 2, kv, 1, stride, hd, true);
            Kernels.weightedSum(outS, 5, p, 2, rows + 2, kv, 1, stride, hd, false);
            float max = -1e30f;
            for (int j = 2; j < rows + 2; j++) {
                double dot = 0;
                for (int d = 0; d < hd; d++) dot += q[d] * kv[1 + (j - 2) * stride + d];
                assertEquals(dot * 0.5, sv[j], 1e-5, "hd " + hd + " score " + j);
                assertEquals(sv[j], ss[j], 1e-5);
                max = Math.max(max, sv[j]);
                for (int d = 0; d < hd; d++) plain[5 + d] += p[j] * kv[1 + (j - 2) * stride + d];
            }
            assertEquals(max, maxV, 0f);
            assertEquals(maxV, maxS, 1e-5f);
            assertArrayEquals(plain, outV, 1e-5f, "hd " + hd);
            assertArrayEquals(outS, outV, 1e-5f, "hd " + hd);
        }
    }
}
