package dev.mutual.trainer.graph;

import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.DecoderParameters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraMerge;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.AdamW;
import dev.mutual.trainer.train.AdamWConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** LoRA in the SameDiff graph: the explicit low-rank branch, its gradients, frozen base weights, dropout. */
public class DecoderGraphLoraTest {
    private static final Path BASE = Path.of("src/test/resources/parity/llama");
    private static final Path PEFT_ADAPTER = Path.of("src/test/resources/lora/llama-adapter");

    /** Every A and B from N(0, 0.3): B nonzero so A's gradient is too. */
    public static LoraWeights randomAdapter(LoraConfig c, ModelConfig m, long seed) {
        Random rng = new Random(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        LoraWeights.shapes(c, m).forEach((name, shape) -> {
            float[] v = new float[shape[0] * shape[1]];
            for (int i = 0; i < v.length; i++) v[i] = (float) (0.3 * rng.nextGaussian());
            t.put(name, new Tensor(shape, v));
        });
        return new LoraWeights(c, m, t);
    }

    /** Adapter branch in the graph against PEFT's unmerged model, and against the merged weights (1e-5). */
    @Test
    void adaptedLogitsMatchPeftAndTheMergedModel() throws IOException {
        DecoderWeights base = HfCheckpoint.load(BASE).weights();
        LoraWeights lora = LoraAdapterFile.load(PEFT_ADAPTER, base.config());
        JsonNode e = new ObjectMapper().readTree(PEFT_ADAPTER.resolve("expected.json").toFile());
        int seq = e.get("input_ids").size();
        int[][] ids = new int[1][seq];
        for (int t = 0; t < seq; t++) ids[0][t] = e.get("input_ids").get(t).asInt();
        INDArray adapted = DecoderGraph.buildWithLora(base, lora, 1, seq, DataType.FLOAT, 1).logits(ids);
        INDArray merged = DecoderGraph.build(LoraMerge.merge(base, lora), 1, seq, DataType.FLOAT).logits(ids);
        double vsPeft = 0, vsMerged = 0;
        for (int t = 0; t < seq; t++) {
            for (int v = 0; v < base.config().vocabSize(); v++) {
                vsPeft = Math.max(vsPeft, Math.abs(adapted.getDouble(0, t, v) - e.get("logits").get(t).get(v).asDouble()));
                vsMerged = Math.max(vsMerged, Math.abs(adapted.getDouble(0, t, v) - merged.getDouble(0, t, v)));
            }
        }
        System.out.printf("LoRA graph: max logit difference vs PEFT %.2e, vs merged weights %.2e%n", vsPeft, vsMerged);
        assertTrue(vsPeft < 1e-4, "vs PEFT " + vsPeft);
        assertTrue(vsMerged < 1e-5, "vs merged " + vsMerged);
    }

    /**
     * Directional derivatives of the loss along random directions, per A and B, by central differences
     * (L(p + eps u) - L(p - eps u)) / 2 eps against grad . u, in double precision.
     */
    @Test
    void gradientsOfAAndBMatchFiniteDifferences() {
        ModelConfig config = DecoderGraphGradientTest.tiny(false, true, 3, null);
        LoraConfig c = new LoraConfig(2, 3, 0, List.of("q_proj", "v_proj", "o_proj", "gate_proj", "down_proj"));
        LoraWeights lora = randomAdapter(c, config, 21);
        DecoderGraph graph = DecoderGraph.buildWithLora(config, DecoderGraphGradientTest.randomWeights(config, 22), lora,
                2, 6, DataType.DOUBLE, 1);
        TokenBatch batch = DecoderGraphGradientTest.batch();
        Nd4j.getRandom().setSeed(23);
        double maxRelative = 0;
        try (LossAndGradients lg = graph.lossAndGradients(batch)) {
            assertEquals(graph.loss(batch), lg.loss(), 1e-12);
            assertEquals(lora.tensors().keySet(), lg.gradients().keySet(), "only A and B get gradients");
            for (String name : graph.parameterNames()) {
                INDArray param = graph.parameter(name);
                INDArray grad = lg.gradients().get(name);
                assertArrayEquals(param.shape(), grad.shape(), name);
                INDArray u = Nd4j.randn(DataType.DOUBLE, param.shape());
                double numeric = DecoderGraphGradientTest.centralDifference(graph, batch, param, u);
                double analytic = grad.mul(u).sumNumber().doubleValue();
                // Relative to |grad| |u| (the largest |grad . u| can be): a direction nearly orthogonal to the
                // gradient must not make the check look worse or, with a zero gradient, vacuous.
                double scale = grad.norm2Number().doubleValue() * u.norm2Number().doubleValue();
                assertTrue(grad.norm2Number().doubleValue() > 1e-3, name + ": gradient ~0, the check would be vacuous");
                maxRelative = Math.max(maxRelative, Math.abs(numeric - analytic) / scale);
            }
        }
        System.out.printf("LoRA gradient check: %d tensors, max relative difference %.2e%n", graph.parameterNames().size(), maxRelative);
        assertTrue(maxRelative < 1e-7, "max relative difference " + maxRelative);
    }

    /** AdamW over the graph's parameters moves A and B and never touches a base weight. */
    @Test
    void baseWeightsAreFrozenAndGetNoOptimizerState() {
        ModelConfig config = DecoderGraphGradientTest.tiny(true, false, 0, null);
        LoraWeights lora = LoraWeights.init(LoraConfig.allLinear(2, 4, 0), config, 5); // PEFT init: B = 0
        DecoderGraph graph = DecoderGraph.buildWithLora(config, DecoderGraphGradientTest.randomWeights(config, 6), lora,
                2, 6, DataType.DOUBLE, 1);
        assertEquals(List.copyOf(lora.tensors().keySet()), graph.parameterNames());
        assertThrows(IllegalArgumentException.class, () -> graph.parameter("model.layers.0.self_attn.q_proj.weight"));
        assertThrows(IllegalArgumentException.class, () -> graph.parameter(DecoderParameters.EMBEDDING));
        Map<String, Tensor> before = graph.toWeights().toHfTensors();
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String name : graph.parameterNames()) params.put(name, graph.parameter(name));
        AdamW adam = new AdamW(new AdamWConfig(1e-2, 0.9, 0.999, 1e-8, 0.0, 1.0), params, Set.of());
        TokenBatch batch = DecoderGraphGradientTest.batch();
        double first = graph.loss(batch);
        for (int step = 0; step < 5; step++) {
            try (LossAndGradients lg = graph.lossAndGradients(batch)) {
                adam.step(lg.gradients(), 1e-2);
            }
        }
        double last = graph.loss(batch);
        System.out.printf("LoRA AdamW: loss %.4f -> %.4f in 5 steps%n", first, last);
        assertTrue(last < first, first + " -> " + last);
        Map<String, Tensor> after = graph.toWeights().toHfTensors();
        for (String name : before.keySet()) assertArrayEquals(before.get(name).values(), after.get(name).values(), name);
        assertFalse(java.util.Arrays.equals(new float[2 * 16], graph.loraWeights().b(1, dev.mutual.trainer.lora.LoraModule.DOWN_PROJ)),
                "B left zero");
    }

    /** Dropout masks the LoRA input in training only: logits and loss() are dropout-free. */
    @Test
    void dropoutActsOnlyInTraining() {
        ModelConfig config = DecoderGraphGradientTest.tiny(false, false, 0, null);
        Map<String, INDArray> weights = DecoderGraphGradientTest.randomWeights(config, 31);
        LoraWeights noDropout = randomAdapter(LoraConfig.allLinear(2, 4, 0), config, 32);
        LoraWeights withDropout = new LoraWeights(LoraConfig.allLinear(2, 4, 0.5), config, noDropout.tensors());
        DecoderGraph plain = DecoderGraph.buildWithLora(config, weights, noDropout, 2, 6, DataType.DOUBLE, 1);
        DecoderGraph dropped = DecoderGraph.buildWithLora(config, weights, withDropout, 2, 6, DataType.DOUBLE, 1);
        TokenBatch batch = DecoderGraphGradientTest.batch();
        INDArray a = plain.logits(batch.inputIds()), b = dropped.logits(batch.inputIds());
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-12);
        assertEquals(plain.loss(batch), dropped.loss(batch), 1e-12);
        double train1, train2;
        try (LossAndGradients lg = dropped.lossAndGradients(batch)) {
            train1 = lg.loss();
        }
        try (LossAndGradients lg = dropped.lossAndGradients(batch)) {
            train2 = lg.loss();
        }
        assertNotEquals(dropped.loss(batch), train1, 1e-6);
        assertNotEquals(train1, train2, 1e-6);
    }
}
