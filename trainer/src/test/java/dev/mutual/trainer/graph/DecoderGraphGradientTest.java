package dev.mutual.trainer.graph;

import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.DecoderParameters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.engine.TrainableModel;
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
public class DecoderGraphGradientTest {

    private static final int BATCH = 2;
    private static final int SEQ = 6;
    private static final double EPS = 1e-6;

    /** hidden 16, 4 heads of dim 4, 2 KV heads, ffn 12, vocab 13: every code path at a size FD can afford. */
    public static ModelConfig tiny(boolean tied, boolean bias, int slidingWindow, ModelConfig.RopeScaling scaling) {
        return new ModelConfig("llama", 16, 12, 2, 4, 2, 4, 13, 64, 1e-5, 50.0, scaling, tied, bias,
                slidingWindow, 1, 2);
    }

    /** Weights big enough for non-trivial attention and gradients (HF's 0.02 init would make them tiny). */
    public static Map<String, INDArray> randomWeights(ModelConfig c, long seed) {
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
    public static TokenBatch batch() {
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

    /** A token of weight 0 contributes exactly nothing: changing its target leaves loss and gradients bit-equal. */
    @Test
    void zeroWeightTokenContributesExactlyNothing() {
        ModelConfig config = tiny(false, true, 0, null);
        DecoderGraph graph = DecoderGraph.build(config, randomWeights(config, 13), BATCH, SEQ, DataType.DOUBLE);
        TokenBatch a = batch();
        int[][] targets = {a.targetIds()[0].clone(), a.targetIds()[1].clone()};
        targets[0][0] = 9;   // weight 0 at [0][0] and [1][1]
        targets[1][1] = 11;
        TokenBatch b = new TokenBatch(a.inputIds(), targets, a.lossWeights());
        try (LossAndGradients ga = graph.lossAndGradients(a); LossAndGradients gb = graph.lossAndGradients(b)) {
            assertEquals(ga.loss(), gb.loss(), 0.0);
            for (String name : graph.parameterNames()) {
                double diff = ga.gradients().get(name).sub(gb.gradients().get(name)).amaxNumber().doubleValue();
                assertEquals(0.0, diff, name);
            }
        }
        targets[0][1] = 9;   // weight 1: now the loss must move
        assertTrue(graph.loss(new TokenBatch(a.inputIds(), targets, a.lossWeights())) != graph.loss(a));
    }

    @Test
    void rejectsBadBatchesAndWeights() {
        ModelConfig config = tiny(true, false, 0, null);
        Map<String, INDArray> weights = randomWeights(config, 14);
        DecoderGraph graph = DecoderGraph.build(config, weights, BATCH, SEQ, DataType.DOUBLE);
        TokenBatch ok = batch();
        int[][] badIds = {ok.inputIds()[0].clone(), ok.inputIds()[1].clone()};
        badIds[1][4] = 13;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> graph.loss(new TokenBatch(badIds, ok.targetIds(), ok.lossWeights())));
        assertEquals("input id [1][4] = 13 is outside the vocabulary [0, 13)", e.getMessage());
        double[][] zero = new double[BATCH][SEQ];
        e = assertThrows(IllegalArgumentException.class,
                () -> graph.loss(new TokenBatch(ok.inputIds(), ok.targetIds(), zero)));
        assertEquals("all loss weights are 0: nothing to learn", e.getMessage());
        double[][] negative = {ok.lossWeights()[0].clone(), ok.lossWeights()[1].clone()};
        negative[0][2] = -1;
        e = assertThrows(IllegalArgumentException.class,
                () -> new TokenBatch(ok.inputIds(), ok.targetIds(), negative));
        assertEquals("loss weight [0][2] must be finite and >= 0, got -1.0", e.getMessage());
        weights.remove("model.layers.1.mlp.up_proj.weight");
        e = assertThrows(IllegalArgumentException.class,
                () -> DecoderGraph.build(config, weights, BATCH, SEQ, DataType.DOUBLE));
        assertEquals("missing weight 'model.layers.1.mlp.up_proj.weight' (expected shape [12, 16])", e.getMessage());
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
                INDArray u = Nd4j.randn(DataType.DOUBLE, param.shape());
                double numeric = centralDifference(graph, batch, param, u);
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

    /**
     * (L(p + eps u) - L(p - eps u)) / 2 eps: the loss's derivative along {@code u} by central differences, with
     * {@code param} restored afterwards.
     */
    public static double centralDifference(TrainableModel graph, TokenBatch batch, INDArray param, INDArray u) {
        INDArray original = param.dup();
        param.assign(original.add(u.mul(EPS)));
        double plus = graph.loss(batch);
        param.assign(original.sub(u.mul(EPS)));
        double minus = graph.loss(batch);
        param.assign(original);
        return (plus - minus) / (2 * EPS);
    }
}
