package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.graph.DecoderGraphParityTest;
import dev.mutual.trainer.graph.DecoderGraphParityTest.Fixture;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * fp32 eager logits against Hugging Face transformers' on the fixtures of {@code tools/make_parity_fixtures.py}
 * (LLaMA, LLaMA-3 rope scaling, Mistral sliding window, Qwen2 bias + tied head), and its loss against
 * cross-entropy computed here from HF's logits.
 */
class EagerParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "mistral", "qwen2"})
    void logitsAndLossMatchTransformers(String name) throws IOException {
        Fixture f = DecoderGraphParityTest.fixture(name);
        int batch = f.ids().length;
        int seq = f.ids()[0].length;
        EagerDecoder eager = EagerDecoder.build(f.weights(), batch, seq, DataType.FLOAT);
        INDArray logits = eager.logits(f.ids());
        double maxDiff = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < f.validLengths()[b]; t++) {
                for (int v = 0; v < f.logits()[b][t].length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(logits.getDouble(b, t, v) - f.logits()[b][t][v]));
                }
            }
        }
        System.out.printf("parity %s: max |eager - transformers| logit = %.2e%n", name, maxDiff);
        assertTrue(maxDiff < 1e-4, name + ": max logit difference " + maxDiff);

        int[][] targets = new int[batch][seq];
        double[][] weights = new double[batch][seq];
        double num = 0;
        double den = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t + 1 < f.validLengths()[b]; t++) {
                targets[b][t] = f.ids()[b][t + 1];
                weights[b][t] = (b == 0 && t == 5) ? 2 : 1;
                double[] row = f.logits()[b][t];
                double max = Double.NEGATIVE_INFINITY;
                for (double x : row) max = Math.max(max, x);
                double sum = 0;
                for (double x : row) sum += Math.exp(x - max);
                num += weights[b][t] * (Math.log(sum) + max - row[targets[b][t]]);
                den += weights[b][t];
            }
        }
        double loss = eager.loss(new dev.mutual.trainer.graph.TokenBatch(f.ids(), targets, weights));
        assertEquals(num / den, loss, 1e-5, name + " weighted loss");
    }
}
