package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.graph.DecoderGraphGradientTest;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The eager engine against the SameDiff graph (an independent implementation of the same model, itself checked by
 * finite differences and against HF), in double: loss and every gradient, and against central finite differences.
 */
class EagerDecoderTest {

    private static final int BATCH = 2;
    private static final int SEQ = 6;

    /** hidden 16, 4 heads of dim 4, 2 KV heads (GQA), ffn 12, vocab 13, 2 layers. */
    static ModelConfig config(String name) {
        return switch (name) {
            case "llama" -> new ModelConfig("llama", 16, 12, 2, 4, 2, 4, 13, 64, 1e-5, 50.0, null, false, false, 0, 1, 2);
            case "llama3" -> new ModelConfig("llama", 16, 12, 2, 4, 2, 4, 13, 64, 1e-5, 50.0,
                    new ModelConfig.RopeScaling(8, 1, 4, 16), false, false, 0, 1, 2);
            case "mistral" -> new ModelConfig("mistral", 16, 12, 2, 4, 2, 4, 13, 64, 1e-5, 50.0, null, false, false, 3, 1, 2);
            case "qwen2" -> new ModelConfig("qwen2", 16, 12, 2, 4, 2, 4, 13, 64, 1e-6, 50.0, null, true, true, 0, 1, 2);
            default -> throw new IllegalArgumentException(name);
        };
    }

    static Map<String, INDArray> copy(Map<String, INDArray> w) {
        Map<String, INDArray> c = new LinkedHashMap<>();
        w.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }

    /** Loss and all gradients equal the SameDiff graph's to 1e-10 (repeated ids, weights 0, 0.5, 1, 2). */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "mistral", "qwen2"})
    void matchesDecoderGraphInDouble(String name) {
        ModelConfig c = config(name);
        Map<String, INDArray> w = DecoderGraphGradientTest.randomWeights(c, 21);
        DecoderGraph graph = DecoderGraph.build(c, copy(w), BATCH, SEQ, DataType.DOUBLE);
        EagerDecoder eager = EagerDecoder.build(c, copy(w), BATCH, SEQ, DataType.DOUBLE);
        TokenBatch batch = DecoderGraphGradientTest.batch();
        double maxDiff = 0;
        try (LossAndGradients expected = graph.lossAndGradients(batch);
             LossAndGradients actual = eager.lossAndGradients(batch)) {
            assertEquals(expected.loss(), actual.loss(), 1e-12, "loss");
            assertEquals(expected.gradients().keySet(), actual.gradients().keySet());
            for (String p : graph.parameterNames()) {
                INDArray e = expected.gradients().get(p);
                double diff = e.sub(actual.gradients().get(p)).amaxNumber().doubleValue();
                assertTrue(e.amaxNumber().doubleValue() > 1e-4, p + ": gradient ~0, the comparison would be vacuous");
                assertTrue(diff < 1e-10, name + " " + p + ": max |eager - SameDiff| = " + diff);
                maxDiff = Math.max(maxDiff, diff);
            }
        }
        assertEquals(graph.loss(batch), eager.loss(batch), 1e-12, "forward-only loss");
        System.out.printf("eager vs SameDiff %s: max gradient difference %.2e%n", name, maxDiff);
    }

    /**
     * Rows longer than one chunk of the causal attention gemms (64 query rows: 32 positions at 2 query heads per KV
     * head), so scores, mixes and their transposes run over three chunks, the last one short: loss and every gradient
     * equal SameDiff's in double, and the fp32 path's within 1e-4, also with a sliding window across chunk borders.
     * EagerPackingTest covers packed rows over chunks.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral"})
    void rowsLongerThanAnAttentionChunkMatchDecoderGraph(String name) {
        int window = name.equals("mistral") ? 40 : 0, batch = 2, seq = 72;
        ModelConfig c = new ModelConfig(name, 16, 12, 2, 4, 2, 4, 13, 128, 1e-5, 50.0, null, false, false, window, 1, 2);
        java.util.Random rng = new java.util.Random(24);
        int[][] in = new int[batch][seq], out = new int[batch][seq];
        double[][] w = new double[batch][seq];
        for (int r = 0; r < batch; r++) {
            for (int t = 0; t < seq; t++) {
                in[r][t] = rng.nextInt(13);
                out[r][t] = rng.nextInt(13);
                w[r][t] = rng.nextInt(3) * 0.5;
            }
        }
        TokenBatch b = new TokenBatch(in, out, w);
        Map<String, INDArray> weights = DecoderGraphGradientTest.randomWeights(c, 25);
        DecoderGraph graph = DecoderGraph.build(c, copy(weights), batch, seq, DataType.DOUBLE);
        try (LossAndGradients expected = graph.lossAndGradients(b);
             LossAndGradients actual = EagerDecoder.build(c, copy(weights), batch, seq, DataType.DOUBLE).lossAndGradients(b);
             LossAndGradients fp32 = EagerDecoder.build(c, copy(weights), batch, seq, DataType.FLOAT).lossAndGradients(b)) {
            assertEquals(expected.loss(), actual.loss(), 1e-12, "loss");
            assertEquals(expected.loss(), fp32.loss(), 1e-5 * Math.abs(expected.loss()), "fp32 loss");
            for (String p : graph.parameterNames()) {
                INDArray e = expected.gradients().get(p);
                double largest = e.amaxNumber().doubleValue();
                assertTrue(largest > 1e-4, p + ": gradient ~0, the comparison would be vacuous");
                double diff = e.sub(actual.gradients().get(p)).amaxNumber().doubleValue();
                assertTrue(diff < 1e-10, name + " " + p + ": max |eager - SameDiff| = " + diff);
                double diff32 = e.sub(fp32.gradients().get(p).castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
                assertTrue(diff32 < 1e-4 * largest, name + " " + p + ": fp32 vs SameDiff " + diff32 / largest);
            }
        }
    }

    /** Directional central differences along a random direction per tensor, plus repeated-id embedding entries. */
    @ParameterizedTest
    @ValueSource(strings = {"mistral", "qwen2"})
    void gradientsMatchFiniteDifferences(String name) {
        ModelConfig c = config(name);
        EagerDecoder eager = EagerDecoder.build(c, DecoderGraphGradientTest.randomWeights(c, 22), BATCH, SEQ,
                DataType.DOUBLE);
        TokenBatch batch = DecoderGraphGradientTest.batch();
        Nd4j.getRandom().setSeed(22);
        double maxRelative = 0;
        try (LossAndGradients lg = eager.lossAndGradients(batch)) {
            // Copies: the engine's gradient buffers are overwritten by the loss evaluations below.
            Map<String, INDArray> grads = copy(lg.gradients());
            for (String p : eager.parameterNames()) {
                INDArray u = Nd4j.randn(DataType.DOUBLE, eager.parameter(p).shape());
                double numeric = DecoderGraphGradientTest.centralDifference(eager, batch, eager.parameter(p), u);
                double analytic = grads.get(p).mul(u).sumNumber().doubleValue();
                assertTrue(Math.abs(analytic) > 1e-3, p + ": directional derivative ~0 (" + analytic + ")");
                maxRelative = Math.max(maxRelative, Math.abs(numeric - analytic) / Math.abs(analytic));
            }
            INDArray embedding = eager.parameter(DecoderParameters.EMBEDDING);
            for (long idx : new long[] {3 * 16 + 5, 5 * 16 + 1}) {   // ids 3 and 5 repeat in the batch
                INDArray u = Nd4j.zeros(DataType.DOUBLE, embedding.shape());
                u.putScalar(idx, 1);
                double numeric = DecoderGraphGradientTest.centralDifference(eager, batch, embedding, u);
                double analytic = grads.get(DecoderParameters.EMBEDDING).getDouble(idx);
                maxRelative = Math.max(maxRelative, Math.abs(numeric - analytic) / Math.abs(numeric));
            }
        }
        System.out.printf("eager finite differences %s: max relative %.2e%n", name, maxRelative);
        assertTrue(maxRelative < 1e-6, "max relative difference " + maxRelative);
    }

    @Test
    void rejectsBadBatches() {
        ModelConfig c = config("llama");
        EagerDecoder eager = EagerDecoder.build(c, DecoderGraphGradientTest.randomWeights(c, 23), BATCH, SEQ,
                DataType.DOUBLE);
        TokenBatch ok = DecoderGraphGradientTest.batch();
        int[][] bad = {ok.inputIds()[0].clone(), ok.inputIds()[1].clone()};
        bad[1][4] = 13;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> eager.loss(new TokenBatch(bad, ok.targetIds(), ok.lossWeights())));
        assertEquals("input id [1][4] = 13 is outside the vocabulary [0, 13)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> eager.loss(new TokenBatch(ok.inputIds(), ok.targetIds(), new double[BATCH][SEQ])));
        assertEquals("all loss weights are 0: nothing to learn", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> eager.loss(TokenBatch.nextToken(new int[][] {{1, 2, 3}})));
        assertEquals("engine built for [2, 6], batch is [1, 2]", e.getMessage());
    }
}
