package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Blas#gemm} split over threads (by rows of C, or by depth when k dwarfs m and n) against the product computed
 * here in double, for every transpose combination, with alpha and beta (C accumulates) and three threads.
 */
class BlasTest {

    private final int before = ComputeThreads.count();

    @AfterEach
    void restore() {
        ComputeThreads.set(before);
    }

    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4} threads={5}")
    @CsvSource({
        "256, 128, 128, false, false, 3", "256, 128, 128, true, false, 3", "256, 128, 128, false, true, 3",
        "256, 128, 128, true, true, 3",                                      // rows split
        "24, 40, 6000, false, false, 3", "24, 40, 6000, true, false, 3", "24, 40, 6000, false, true, 3",
        "24, 40, 6000, true, true, 3", "24, 40, 6000, false, false, 2",      // depth split
        "24, 40, 6000, false, false, 1"})                                    // whole
    void splitGemmEqualsTheProduct(int m, int n, int k, boolean transA, boolean transB, int threads) {
        ComputeThreads.set(threads);
        SplittableRandom rng = new SplittableRandom(m * 31L + n * 7L + k);
        INDArray a = random(rng, transA ? k : m, transA ? m : k), b = random(rng, transB ? n : k, transB ? k : n);
        INDArray c = random(rng, m, n);
        float[] aa = a.data().asFloat(), bb = b.data().asFloat(), c0 = c.data().asFloat();
        double alpha = 0.75, beta = 0.5;
        try (var blas = ComputeThreads.singleThreadedBlas()) {
            Blas.gemm(a, transA, b, transB, c, alpha, beta);
        }
        float[] got = c.data().asFloat();
        double worst = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, scale = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? aa[p * m + i] : aa[i * k + p], y = transB ? bb[j * k + p] : bb[p * n + j];
                    sum += x * y;
                    scale += Math.abs(x * y);
                }
                double expected = alpha * sum + beta * c0[i * n + j];
                worst = Math.max(worst, Math.abs(got[i * n + j] - expected) / (alpha * scale + Math.abs(beta * c0[i * n + j]) + 1e-30));
            }
        }
        assertTrue(worst < 1e-5, "worst error relative to the terms' size " + worst);
    }

    private static INDArray random(SplittableRandom rng, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextGaussian();
        return Nd4j.createFromArray(v).reshape(rows, cols).castTo(DataType.FLOAT).dup('c');
    }
}
