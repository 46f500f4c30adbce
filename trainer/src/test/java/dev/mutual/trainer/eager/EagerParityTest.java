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
        double maxDiff = DecoderGraphParityTest.maxLogitDifference(f, logits);
        System.out.printf("parity %s: max |eager - transformers| logit = %.2e%n", name, maxDiff);
        assertTrue(maxDiff < 1e-4, name + ": max logit difference " + maxDiff);

        DecoderGraphParityTest.HfLoss expected = DecoderGraphParityTest.hfLoss(f);
        double loss = eager.loss(expected.batch());
        assertEquals(expected.loss(), loss, 1e-5, name + " weighted loss");
    }
}
