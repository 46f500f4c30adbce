package dev.mutual.trainer.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * Per parameter tensor, the directional derivative along a random Gaussian direction u (covering every entry)
     * by central differences, (L(p + eps u) - L(p - eps u)) / 2 eps, against sum(grad * u); plus single entries
     * of embedding rows whose ids repeat in the batch (the case ND4J's gather backprop gets wrong).
     */
    private void check(ModelConfig config, long seed) {
        DecoderGraph graph = DecoderGraph.build(config, randomWeights(config, seed), BATCH, SEQ, DataType.DOUBLE);
        TokenBatch batch = batch();
        Nd4j.getRandom().setSeed(seed);
        double maxDiff = 0;
        double maxRelative = 0;
        try (LossAndGradients lg = graph.lossAndGradients(batch)) {
            assertEquals(graph.loss(batch), lg.loss(), 1e-12, "forward-only and forward/backward loss");
            assertEquals(DecoderParameters.shapes(config).keySet(), lg.gradients().keySet());
            for (String name : graph.parameterNames()) {
                INDArray param = graph.parameter(name);
                INDArray grad = lg.gradients().get(name);
                assertArrayEquals(param.shape(), grad.shape(), name);
                INDArray original = param.dup();
                INDArray u = Nd4j.randn(DataType.DOUBLE, param.shape());
                param.assign(original.add(u.mul(EPS)));
                double plus = graph.loss(batch);
                param.assign(original.sub(u.mul(EPS)));
                double minus = graph.loss(batch);
                param.assign(original);
                double numeric = (plus - minus) / (2 * EPS);
                double analytic = grad.mul(u).sumNumber().doubleValue();
                double diff = Math.abs(numeric - analytic);
                assertTrue(Math.abs(analytic) > 1e-3, name + ": directional derivative ~0 (" + analytic
                        + "), the check would be vacuous");
                maxDiff = Math.max(maxDiff, diff);
                maxRelative = Math.max(maxRelative, diff / Math.abs(analytic));
            }
            // Ids 3 and 5 occur several times in the batch: their rows get one contribution per occurrence.
            INDArray embedding = graph.parameter(DecoderParameters.EMBEDDING);
            INDArray gradEmbedding = lg.gradients().get(DecoderParameters.EMBEDDING);
            for (long idx : new long[] {3 * 16 + 5, 5 * 16 + 1}) {
                double orig = embedding.getDouble(idx);
                embedding.putScalar(idx, orig + EPS);
                double plus = graph.loss(batch);
                embedding.putScalar(idx, orig - EPS);
                double minus = graph.loss(batch);
                embedding.putScalar(idx, orig);
                double numeric = (plus - minus) / (2 * EPS);
                double diff = Math.abs(numeric - gradEmbedding.getDouble(idx));
                maxDiff = Math.max(maxDiff, diff);
                maxRelative = Math.max(maxRelative, diff / Math.abs(numeric));
            }
        }
        System.out.printf("gradient check tied=%b bias=%b window=%d: %d tensors, max |numeric - analytic| = %.2e, "
                        + "max relative = %.2e%n", config.tieWordEmbeddings(), config.attentionBias(),
                config.slidingWindow(), graph.parameterNames().size(), maxDiff, maxRelative);
        assertTrue(maxRelative < 1e-6, "max relative difference " + maxRelative + " (absolute " + maxDiff + ")");
    }
}
