package dev.mutual.trainer.train;

import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.ModelConfig;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightDecayGroupsTest {

    private static final AdamWConfig ADAMW = new AdamWConfig(1e-3, 0.9, 0.95, 1e-8, 0.1, 1.0);

    private static DecoderGraph graph(boolean tied, boolean bias) {
        ModelConfig c = new ModelConfig("qwen2", 16, 12, 1, 4, 2, 4, 13, 64, 1e-6, 1e4, null, tied, bias, 0, -1, -1);
        return DecoderGraph.build(c, DecoderParameters.random(c, 1, DataType.FLOAT), 1, 4, DataType.FLOAT);
    }

    /** The default groups pick exactly what AdamW.forDecoder (1-D tensors and the embedding undecayed) picks. */
    @Test
    void defaultGroupsMatchForDecoder() {
        for (boolean tied : new boolean[] {true, false}) {
            DecoderGraph g = graph(tied, true);
            assertEquals(AdamW.forDecoder(ADAMW, g).decayed(),
                    WeightDecayGroups.adamw(ADAMW, g, WeightDecayGroups.DEFAULT_NO_DECAY).decayed(), "tied " + tied);
        }
    }

    @Test
    void eachGroupNamesItsTensors() {
        DecoderGraph g = graph(false, true);
        Set<String> all = new TreeSet<>(g.parameterNames());
        assertEquals(all, WeightDecayGroups.decayed(all, List.of()), "no groups: everything decays");
        Set<String> onlyNorms = new TreeSet<>(all);
        onlyNorms.removeAll(List.of("model.norm.weight", "model.layers.0.input_layernorm.weight",
                "model.layers.0.post_attention_layernorm.weight"));
        assertEquals(onlyNorms, WeightDecayGroups.decayed(all, List.of("norm")));
        Set<String> noHead = new TreeSet<>(all);
        noHead.remove("lm_head.weight");
        assertEquals(noHead, WeightDecayGroups.decayed(all, List.of("lm_head")));
        Set<String> noBias = WeightDecayGroups.decayed(all, List.of("bias"));
        assertEquals(all.size() - 3, noBias.size(), "q, k and v biases");
        assertTrue(noBias.contains("model.embed_tokens.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightDecayGroups.decayed(all, List.of("norms")));
        assertEquals("no_decay group 'norms' is not one of [norm, bias, embedding, lm_head]", e.getMessage());
    }

    /** With LoRA the optimizer holds only A and B, which are matrices and decay. */
    @Test
    void loraAdaptersAreTheOnlyParametersAndDecay() {
        ModelConfig c = new ModelConfig("llama", 16, 12, 1, 4, 2, 4, 13, 64, 1e-6, 1e4, null, false, false, 0, -1, -1);
        LoraConfig lora = new LoraConfig(2, 4, 0, List.of("q_proj", "v_proj"));
        DecoderGraph g = DecoderGraph.buildWithLora(c, DecoderParameters.random(c, 1, DataType.FLOAT),
                LoraWeights.init(lora, c, 3), 1, 4, DataType.FLOAT, 5);
        AdamW adamw = WeightDecayGroups.adamw(ADAMW, g, WeightDecayGroups.DEFAULT_NO_DECAY);
        assertEquals(4, adamw.decayed().size());
        assertEquals(new TreeSet<>(g.parameterNames()), adamw.decayed());
    }
}
