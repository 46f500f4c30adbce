package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.graph.DecoderGraphGradientTest;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Packing: examples packed into one row (block-diagonal attention, positions restarting per example) get exactly
 * the loss and gradients they get alone in an unpadded row of their own length. This pins the bug class where
 * packed examples attend across their boundaries (a model that then emits end-of-turn tokens forever).
 */
class EagerPackingTest {

    /** Example lengths 5, 3 and 6 in a row of 16 (2 padding positions), the same model run alone per example. */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral", "qwen2"})
    void packedExamplesMatchTheExamplesAlone(String name) {
        check(name, new int[] {5, 3, 6}, 16);
    }

    /**
     * A row longer than one chunk of the causal attention gemms (32 positions at 2 query heads per KV head): examples
     * of 40, 25 and 30 positions cross chunk borders in the packed row at other places than alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral"})
    void packedExamplesAcrossAttentionChunksMatchTheExamplesAlone(String name) {
        check(name, new int[] {40, 25, 30}, 100);
    }

    private static void check(String name, int[] lengths, int seq) {
        ModelConfig c = EagerDecoderTest.config(name);
        Map<String, INDArray> weights = DecoderGraphGradientTest.randomWeights(c, 31);
        Random rng = new Random(32);
        int[][] in = new int[lengths.length][];
        int[][] out = new int[lengths.length][];
        double[][] w = new double[lengths.length][];
        for (int e = 0; e < lengths.length; e++) {
            in[e] = rng.ints(lengths[e], 0, c.vocabSize()).toArray();
            out[e] = rng.ints(lengths[e], 0, c.vocabSize()).toArray();
            w[e] = new double[lengths[e]];
            for (int t = 0; t < lengths[e]; t++) w[e][t] = t == 0 ? 0 : 0.5 + rng.nextInt(3);   // prompt-like 0 first
        }
        in[2][4] = in[0][1];   // an id repeated across examples: both rows of its embedding gradient must add up

        EagerDecoder packed = EagerDecoder.build(c, weights, 1, seq, DataType.DOUBLE);
        double worst = 0;
        for (int e = 0; e < lengths.length; e++) {
            EagerDecoder alone = EagerDecoder.build(c, weights, 1, lengths[e], DataType.DOUBLE);
            TokenBatch single = new TokenBatch(new int[][] {in[e]}, new int[][] {out[e]}, new double[][] {w[e]});
            TokenBatch row = pack(in, out, w, e, seq);
            try (LossAndGradients a = alone.lossAndGradients(single)) {
                Map<String, INDArray> expected = copy(a.gradients());
                double expectedLoss = a.loss();
                try (LossAndGradients p = packed.lossAndGradients(row)) {
                    assertEquals(expectedLoss, p.loss(), 1e-12, name + " example " + e + " loss");
                    for (String param : expected.keySet()) {
                        double diff = expected.get(param).sub(p.gradients().get(param)).amaxNumber().doubleValue();
                        worst = Math.max(worst, diff);
                        assertTrue(diff < 1e-10, name + " example " + e + " " + param + ": " + diff);
                    }
                }
            }
        }
        System.out.printf("packing %s: max gradient difference packed vs alone %.2e%n", name, worst);

        // The same row without segments (one causal sequence, positions 0..seq - 1) gives another loss: the test bites.
        TokenBatch row = pack(in, out, w, 1, seq);
        TokenBatch unpacked = new TokenBatch(row.inputIds(), row.targetIds(), row.lossWeights());
        assertTrue(Math.abs(packed.loss(row) - packed.loss(unpacked)) > 1e-3, "segments must change the loss");
    }

    /** All examples in one row (segments 0, 1, 2, then padding as 3), loss weights only on example {@code only}. */
    private static TokenBatch pack(int[][] in, int[][] out, double[][] w, int only, int seq) {
        int[] ids = new int[seq], targets = new int[seq], pos = new int[seq], seg = new int[seq];
        double[] weights = new double[seq];
        int at = 0;
        for (int e = 0; e < in.length; e++) {
            for (int t = 0; t < in[e].length; t++, at++) {
                ids[at] = in[e][t];
                targets[at] = out[e][t];
                weights[at] = e == only ? w[e][t] : 0;
                pos[at] = t;
                seg[at] = e;
            }
        }
        for (int t = at; t < seq; t++) {
            pos[t] = t - at;
            seg[t] = in.length;
        }
        return new TokenBatch(new int[][] {ids}, new int[][] {targets}, new double[][] {weights}, new int[][] {pos},
                new int[][] {seg});
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }

    @Test
    void decoderGraphRejectsPackedRows() {
        ModelConfig c = EagerDecoderTest.config("llama");
        DecoderGraph graph = DecoderGraph.build(c, DecoderGraphGradientTest.randomWeights(c, 33), 1, 4, DataType.DOUBLE);
        int[][] ids = {{1, 2, 3, 4}};
        double[][] w = {{1, 1, 1, 1}};
        TokenBatch packed = new TokenBatch(ids, ids, w, new int[][] {{0, 1, 0, 1}}, new int[][] {{0, 0, 1, 1}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> graph.loss(packed));
        assertTrue(e.getMessage().startsWith("DecoderGraph takes unpacked batches only"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TokenBatch(ids, ids, w, new int[][] {{0, 1, 2, 3}}, new int[][] {{0, 1, 0, 1}}));
        assertEquals("segment [0][2] = 0 is below the previous position's 1: an example's positions must be "
                + "contiguous in its row", e.getMessage());
        assertTrue(Arrays.equals(new int[] {0, 1, 2, 3}, new TokenBatch(ids, ids, w).positions()[0]));
    }
}
