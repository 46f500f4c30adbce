package dev.mutual.trainer.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** W' = W + (alpha / r) * B @ A against the explicit low-rank term, here and in PEFT's unmerged model. */
class LoraMergeTest {

    /** Every adapted linear of the merged model maps x as the base plus the explicit low-rank branch does. */
    @Test
    void mergedLinearEqualsBasePlusExplicitLowRankTerm() {
        DecoderWeights base = HfCheckpoint.load(LoraAdapterFileTest.BASE).weights();
        ModelConfig m = base.config();
        LoraConfig c = new LoraConfig(3, 7, 0, List.of("q_proj", "o_proj", "down_proj"));
        LoraWeights lora = LoraAdapterFileTest.random(c, m, 5);
        DecoderWeights merged = LoraMerge.merge(base, lora);
        Random rng = new Random(9);
        double maxDiff = 0;
        for (int l = 0; l < m.numLayers(); l++) {
            for (LoraModule mod : LoraModule.values()) {
                int in = mod.inFeatures(m), out = mod.outFeatures(m);
                float[] w = mod.weightOf(base.layers().get(l)), wm = mod.weightOf(merged.layers().get(l));
                if (!c.modules().contains(mod)) {
                    assertSame(w, wm, "untargeted " + mod + " is left as it was");
                    continue;
                }
                double[] x = new double[in];
                for (int i = 0; i < in; i++) x[i] = rng.nextGaussian();
                // explicit: y = x W^T + scale * (x A^T) B^T
                double[] xa = new double[c.r()];
                for (int k = 0; k < c.r(); k++) for (int i = 0; i < in; i++) xa[k] += x[i] * lora.a(l, mod)[k * in + i];
                for (int o = 0; o < out; o++) {
                    double explicit = 0, viaMerged = 0;
                    for (int i = 0; i < in; i++) {
                        explicit += x[i] * w[o * in + i];
                        viaMerged += x[i] * wm[o * in + i];
                    }
                    for (int k = 0; k < c.r(); k++) explicit += c.scale() * xa[k] * lora.b(l, mod)[o * c.r() + k];
                    maxDiff = Math.max(maxDiff, Math.abs(explicit - viaMerged));
                }
            }
        }
        System.out.printf("merge: max |x W'^T - (x W^T + s x A^T B^T)| = %.2e%n", maxDiff);
        assertTrue(maxDiff < 1e-5, "max difference " + maxDiff);
    }

    /**
     * The merged model's logits (SameDiff graph) against PEFT's unmerged PeftModel, which computes every adapted
     * linear as x @ W^T + scale * (x @ A^T) @ B^T (fixture of tools/make_lora_fixture.py, scale 1.5, all seven
     * linears, nonzero B). The graph itself matches transformers within 1e-4 (DecoderGraphParityTest).
     */
    @Test
    void mergedLogitsMatchPeftsUnmergedModel() throws IOException {
        DecoderWeights base = HfCheckpoint.load(LoraAdapterFileTest.BASE).weights();
        LoraWeights lora = LoraAdapterFile.load(LoraAdapterFileTest.PEFT_ADAPTER, base.config());
        JsonNode e = new ObjectMapper().readTree(LoraAdapterFileTest.PEFT_ADAPTER.resolve("expected.json").toFile());
        int seq = e.get("input_ids").size();
        int[][] ids = new int[1][seq];
        for (int t = 0; t < seq; t++) ids[0][t] = e.get("input_ids").get(t).asInt();
        INDArray merged = DecoderGraph.build(LoraMerge.merge(base, lora), 1, seq, DataType.FLOAT).logits(ids);
        INDArray plain = DecoderGraph.build(base, 1, seq, DataType.FLOAT).logits(ids);
        double maxDiff = 0, baseDiff = 0;
        for (int t = 0; t < seq; t++) {
            for (int v = 0; v < base.config().vocabSize(); v++) {
                double peft = e.get("logits").get(t).get(v).asDouble();
                maxDiff = Math.max(maxDiff, Math.abs(merged.getDouble(0, t, v) - peft));
                baseDiff = Math.max(baseDiff, Math.abs(plain.getDouble(0, t, v) - peft));
            }
        }
        System.out.printf("merge vs PEFT unmerged: max logit difference %.2e (base model differs by %.2f)%n", maxDiff, baseDiff);
        assertTrue(maxDiff < 1e-4, "max logit difference " + maxDiff);
        assertTrue(baseDiff > 1, "the adapter must matter for this test to mean anything: " + baseDiff);
    }

    @Test
    void mergedModelSavesAsAnHfCheckpoint(@TempDir Path dir) {
        DecoderWeights base = HfCheckpoint.load(LoraAdapterFileTest.BASE).weights();
        LoraWeights lora = LoraAdapterFile.load(LoraAdapterFileTest.PEFT_ADAPTER, base.config());
        DecoderWeights merged = LoraMerge.merge(base, lora);
        HfCheckpoint.save(dir, merged, List.of());
        Map<String, Tensor> back = HfCheckpoint.load(dir).weights().toHfTensors();
        Map<String, Tensor> expected = merged.toHfTensors();
        assertEquals(expected.keySet(), back.keySet());
        for (String name : expected.keySet()) assertArrayEquals(expected.get(name).values(), back.get(name).values(), name);
        // one element by hand: layer 1 gate_proj[3, 5] = W + 1.5 * sum_k B[3, k] A[k, 5]
        int in = base.config().hiddenSize();
        double s = 0;
        for (int k = 0; k < 4; k++) s += lora.b(1, LoraModule.GATE_PROJ)[3 * 4 + k] * lora.a(1, LoraModule.GATE_PROJ)[k * in + 5];
        float w = base.layers().get(1).gateProj()[3 * in + 5];
        assertEquals(w + 1.5 * s, back.get("model.layers.1.mlp.gate_proj.weight").values()[3 * in + 5], 1e-6);
    }
}
