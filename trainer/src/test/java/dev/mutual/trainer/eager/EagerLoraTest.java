package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.graph.DecoderGraphLoraTest;
import dev.mutual.trainer.graph.DecoderGraphGradientTest;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.ModelConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** LoRA on the eager engine against {@code DecoderGraph.buildWithLora} (itself checked against PEFT and by FD). */
class EagerLoraTest {

    /**
     * Loss and every A/B gradient equal the graph's to 1e-10 over two passes (two draws of dropout masks from the
     * same seed), with dropout 0 and 0.25; base weights get no gradient.
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.25})
    void matchesDecoderGraphWithLora(double dropout) {
        ModelConfig config = EagerDecoderTest.config("qwen2");
        LoraConfig c = new LoraConfig(2, 3, dropout, List.of("q_proj", "v_proj", "o_proj", "gate_proj", "down_proj"));
        LoraWeights lora = DecoderGraphLoraTest.randomAdapter(c, config, 51);
        Map<String, INDArray> base = DecoderGraphGradientTest.randomWeights(config, 52);
        DecoderGraph graph = DecoderGraph.buildWithLora(config, EagerDecoderTest.copy(base), lora, 2, 6, DataType.DOUBLE, 7);
        EagerDecoder eager = EagerDecoder.buildWithLora(config, EagerDecoderTest.copy(base), lora, 2, 6, DataType.DOUBLE, 7);
        assertEquals(graph.parameterNames(), eager.parameterNames());
        assertThrows(IllegalArgumentException.class, () -> eager.parameter(DecoderParameters.EMBEDDING));
        TokenBatch batch = DecoderGraphGradientTest.batch();
        double worst = 0;
        for (int pass = 0; pass < 2; pass++) {
            try (LossAndGradients expected = graph.lossAndGradients(batch);
                 LossAndGradients actual = eager.lossAndGradients(batch)) {
                assertEquals(expected.loss(), actual.loss(), 1e-12, "loss, pass " + pass);
                assertEquals(expected.gradients().keySet(), actual.gradients().keySet());
                for (String p : graph.parameterNames()) {
                    INDArray e = expected.gradients().get(p);
                    assertTrue(e.amaxNumber().doubleValue() > 1e-4, p + ": gradient ~0");
                    double diff = e.sub(actual.gradients().get(p)).amaxNumber().doubleValue();
                    worst = Math.max(worst, diff);
                    assertTrue(diff < 1e-10, p + " pass " + pass + ": " + diff);
                }
            }
        }
        assertEquals(graph.loss(batch), eager.loss(batch), 1e-12, "loss() runs without dropout");
        System.out.printf("LoRA eager vs SameDiff, dropout %.2f: max gradient difference %.2e%n", dropout, worst);
        assertArrayEquals(lora.a(1, dev.mutual.trainer.lora.LoraModule.DOWN_PROJ),
                eager.loraWeights().a(1, dev.mutual.trainer.lora.LoraModule.DOWN_PROJ));
    }
}
