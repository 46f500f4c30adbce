package dev.mutual.trainer.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gradients of the whole SameDiff decoder against central finite differences in double precision, and the
 * causal structure of its logits. Guards the ND4J M2.1 autodiff workarounds in {@link DecoderGraph}.
 */
class DecoderGraphGradientTest {

    private static final int BATCH = 2;
    private static final int SEQ = 6;
    private static final double EPS = 1e-6;

    /** hidden 16, 4 heads of dim 4, 2 KV heads, ffn 12, vocab 13: every code path at a size FD can afford. */
    private static ModelConfig tiny(boolean tied, boolean bias, int slidingWindow, ModelConfig.RopeScaling scaling) {
        return new ModelConfig("llama", 16, 12, 2, 4, 2, 4, 13, 64, 1e-5, 50.0, scaling, tied, bias,
                slidingWindow, 1, 2);
    }

    /** Weights big enough for non-trivial attention and gradients (HF's 0.02 init would make them tiny). */
    private static Map<String, INDArray> randomWeights(ModelConfig c, long seed) {
        Random rng = new Random(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : DecoderParameters.shapes(c).entrySet()) {
            long[] shape = e.getValue();
            int n = 1;
            for (long d : shape) n *= (int) d;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                double g = rng.nextGaussian();
                v[i] = e.getKey().endsWith("norm.weight") ? 1 + 0.3 * g
                        : shape.length == 1 ? 0.3 * g : g / Math.sqrt(shape[1]);
            }
            w.put(e.getKey(), Nd4j.create(v, shape, DataType.DOUBLE));
        }
        return w;
    }

    /** Repeated ids within and across sequences; weights 0 (a masked token), 0.5, 1 and 2. */
    private static TokenBatch batch() {
        int[][] in = {{3, 7, 3, 3, 12, 0}, {7, 5, 5, 9, 3, 1}};
        int[][] out = {{7, 3, 3, 12, 0, 7}, {5, 5, 9, 3, 1, 1}};
        double[][] w = {{0, 1, 1, 0.5, 2, 1}, {1, 0, 1, 1, 1, 2}};
        return new TokenBatch(in, out, w);
    }

    @Test
    void untiedWithBiasAndSlidingWindowMatchesFiniteDifferences() {
        check(tiny(false, true, 3, null), 11);
    }

    @Test
    void tiedWithLlama3RopeScalingMatchesFiniteDifferences() {
        // original_max 16 with factors 1/4: wavelengths 6.3 (kept), 63 (scaled) with theta 50 and head dim 4.
        check(tiny(true, false, 0, new ModelConfig.RopeScaling(8, 1, 4, 16)), 12);
    }

    private void check(ModelConfig config, long seed) {
        DecoderGraph graph = DecoderGraph.build(config, randomWeights(config, seed), BATCH, SEQ, DataType.DOUBLE);
        TokenBatch batch = batch();
        Random pick = new Random(seed);
        double maxDiff = 0;
        double maxGrad = 0;
        int checked = 0;
        try (LossAndGradients lg = graph.lossAndGradients(batch)) {
            assertEquals(graph.loss(batch), lg.loss(), 1e-12, "forward-only and forward/backward loss");
            assertEquals(DecoderParameters.shapes(config).keySet(), lg.gradients().keySet());
            for (String name : graph.parameterNames()) {
                INDArray param = graph.parameter(name);
                INDArray grad = lg.gradients().get(name);
                assertEquals(java.util.Arrays.toString(param.shape()), java.util.Arrays.toString(grad.shape()), name);
                long n = param.length();
                // The embedding rows of ids 3 and 5 (repeated in the batch) are always checked.
                long[] entries = name.equals(DecoderParameters.EMBEDDING)
                        ? new long[] {3 * 16, 3 * 16 + 5, 5 * 16 + 1, 7 * 16 + 2, 12 * 16 + 15, 10 * 16}
                        : new long[] {pick.nextInt((int) n), pick.nextInt((int) n), pick.nextInt((int) n)};
                double tensorMax = 0;
                for (long idx : entries) {
                    double orig = param.getDouble(idx);
                    param.putScalar(idx, orig + EPS);
                    double plus = graph.loss(batch);
                    param.putScalar(idx, orig - EPS);
                    double minus = graph.loss(batch);
                    param.putScalar(idx, orig);
                    double numeric = (plus - minus) / (2 * EPS);
                    double analytic = grad.getDouble(idx);
                    maxDiff = Math.max(maxDiff, Math.abs(numeric - analytic));
                    tensorMax = Math.max(tensorMax, Math.abs(analytic));
                    checked++;
                }
                maxGrad = Math.max(maxGrad, tensorMax);
                assertTrue(tensorMax > 1e-4,
                        name + ": checked gradient entries are all ~0 (" + tensorMax + "), the check would be vacuous");
            }
        }
        System.out.printf("gradient check %s tied=%b bias=%b window=%d: %d entries, max |numeric - analytic| = %.2e,"
                        + " max |gradient| = %.3f%n", config.modelType(), config.tieWordEmbeddings(),
                config.attentionBias(), config.slidingWindow(), checked, maxDiff, maxGrad);
        assertTrue(maxDiff < 1e-6 * maxGrad, "max |numeric - analytic| " + maxDiff + " vs max gradient " + maxGrad);
    }
}
