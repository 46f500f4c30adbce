package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.graph.DecoderGraphGradientTest;
import dev.mutual.trainer.model.ModelConfig;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The eager engine's work split over threads (attention blocks, norms, RoPE, SwiGLU, cross-entropy rows) gives the
 * loss and gradients of the same pass on one thread: the parts are disjoint and the only cross-part sums (the norm
 * gains' gradients) are added in a fixed order, so only the summation order of a few reductions may differ.
 */
class ComputeThreadsTest {

    private final int before = ComputeThreads.count();

    @AfterEach
    void restore() {
        ComputeThreads.set(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral", "qwen2"})
    void oneThreadAndThreeThreadsAgree(String name) {
        ModelConfig c = EagerDecoderTest.config(name);
        Map<String, INDArray> weights = DecoderGraphGradientTest.randomWeights(c, 41);
        Random rng = new Random(42);
        int batch = 3, seq = 12;
        int[][] in = new int[batch][seq], out = new int[batch][seq];
        double[][] w = new double[batch][seq];
        for (int r = 0; r < batch; r++) {
            in[r] = rng.ints(seq, 0, c.vocabSize()).toArray();
            out[r] = rng.ints(seq, 0, c.vocabSize()).toArray();
            for (int t = 0; t < seq; t++) w[r][t] = rng.nextInt(3);
        }
        TokenBatch b = new TokenBatch(in, out, w);
        EagerDecoder engine = EagerDecoder.build(c, weights, batch, seq, DataType.DOUBLE);

        ComputeThreads.set(1);
        double loss1;
        Map<String, INDArray> grads1 = new LinkedHashMap<>();
        Set<Integer> threadsSeen = new HashSet<>();
        try (LossAndGradients g = engine.lossAndGradients(b)) {
            loss1 = g.loss();
            g.gradients().forEach((k, v) -> grads1.put(k, v.dup()));
        }
        ComputeThreads.set(3);   // more threads than cores must work too (three ranges, blocks split unevenly)
        ComputeThreads.forEachRange(3, (part, from, to) -> threadsSeen.add(part));
        try (LossAndGradients g = engine.lossAndGradients(b)) {
            assertEquals(loss1, g.loss(), 1e-12, name + " loss");
            double worst = 0;
            for (String k : grads1.keySet()) {
                double diff = grads1.get(k).sub(g.gradients().get(k)).amaxNumber().doubleValue();
                worst = Math.max(worst, diff);
                assertTrue(diff < 1e-12, name + " " + k + ": " + diff);
            }
            System.out.printf("threads %s: max gradient difference 1 vs 3 threads %.2e%n", name, worst);
        }
        assertEquals(Set.of(0, 1, 2), threadsSeen, "three parts, each once");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void aThreadCountBelowOneIsRefused(int threads) {
        assertThrows(IllegalArgumentException.class, () -> ComputeThreads.set(threads));
    }
}
