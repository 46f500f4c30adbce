package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.graph.DecoderGraphGradientTest;
import dev.mutual.trainer.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fp32 paths of the eager engine (Vector API RMSNorm forward and backward, RoPE in and out of the head layout,
 * SwiGLU, softmax, cross-entropy) give the gradients of its fp64 path, which EagerDecoderTest pins to the SameDiff
 * graph: each gradient tensor within 1e-4 of its largest entry, on packed rows (segments, positions restarting).
 */
class Fp32GradientsTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral", "qwen2"})
    void fp32GradientsMatchFp64(String name) {
        ModelConfig c = EagerDecoderTest.config(name);
        Map<String, INDArray> weights = DecoderGraphGradientTest.randomWeights(c, 51);
        Random rng = new Random(52);
        int batch = 2, seq = 12;
        int[][] in = new int[batch][seq], out = new int[batch][seq], pos = new int[batch][seq], seg = new int[batch][seq];
        double[][] w = new double[batch][seq];
        for (int r = 0; r < batch; r++) {
            for (int t = 0; t < seq; t++) {
                in[r][t] = rng.nextInt(c.vocabSize());
                out[r][t] = rng.nextInt(c.vocabSize());
                w[r][t] = 0.5 + rng.nextInt(2);
                seg[r][t] = t < 5 ? 0 : 1;            // two examples per row
                pos[r][t] = t < 5 ? t : t - 5;
            }
        }
        TokenBatch b = new TokenBatch(in, out, w, pos, seg);
        Map<String, INDArray> g64 = new LinkedHashMap<>();
        double loss64;
        try (LossAndGradients g = EagerDecoder.build(c, weights, batch, seq, DataType.DOUBLE).lossAndGradients(b)) {
            loss64 = g.loss();
            g.gradients().forEach((k, v) -> g64.put(k, v.dup()));
        }
        try (LossAndGradients g = EagerDecoder.build(c, weights, batch, seq, DataType.FLOAT).lossAndGradients(b)) {
            assertEquals(loss64, g.loss(), 1e-5 * Math.abs(loss64), name + " loss");
            double worst = 0;
            for (String k : g64.keySet()) {
                INDArray expected = g64.get(k);
                double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-8);
                double diff = expected.sub(g.gradients().get(k).castTo(DataType.DOUBLE)).amaxNumber().doubleValue() / scale;
                worst = Math.max(worst, diff);
                assertTrue(diff < 1e-4, name + " " + k + ": fp32 vs fp64 " + diff);
            }
            System.out.printf("fp32 %s: max gradient difference to fp64 %.2e of each tensor's largest entry%n", name, worst);
        }
    }
}
