package dev.mutual.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoraBenchTest {

    @Test
    void qwen2ShapeIsQwen2_0_5b() {
        ModelConfig c = LoraBench.qwen2_0_5b();
        assertEquals(896, c.hiddenSize());
        assertEquals(24, c.numLayers());
        assertEquals(151936, c.vocabSize());
        assertTrue(c.tieWordEmbeddings() && c.attentionBias());
        // PEFT's count for r 16 on all seven linears of Qwen2-0.5B: 16 * (in + out) summed = 8,798,208
        assertEquals(8_798_208L, dev.mutual.trainer.lora.LoraWeights.shapes(LoraConfig.allLinear(16, 32, 0), c)
                .values().stream().mapToLong(s -> (long) s[0] * s[1]).sum());
    }

    /** A tiny tied, biased Qwen2 shape: every optimizer step reported once, loss near ln V at random init. */
    @Test
    void runsOptimizerStepsWithAccumulation() {
        ModelConfig c = new ModelConfig("qwen2", 32, 48, 2, 4, 2, 8, 97, 64, 1e-6, 1e6, null, true, true, 0, 1, 2);
        List<Integer> seen = new ArrayList<>();
        LoraBench.Result r = LoraBench.run(new LoraBench.Settings(c, LoraConfig.allLinear(4, 8, 0), 2, 8, 3, 1, 2),
                seen::add);
        assertEquals(List.of(1, 2, 3), seen);
        assertEquals(Math.log(97), r.firstLoss(), 0.05);
        assertTrue(Double.isFinite(r.lastLoss()) && r.tokensPerSecond() > 0, r.toString());
        assertTrue(r.peakRssMb() >= r.rssEndMb() && r.rssEndMb() > 0, r.toString());
    }

    /** A bf16 base (the same draws rounded, kept in 16 bits): the same run, a first loss within bf16 rounding of fp32's. */
    @Test
    void bf16BaseRuns() {
        ModelConfig c = new ModelConfig("qwen2", 32, 48, 2, 4, 2, 8, 97, 64, 1e-6, 1e6, null, true, true, 0, 1, 2);
        LoraBench.Result fp32 = LoraBench.run(new LoraBench.Settings(c, LoraConfig.allLinear(4, 8, 0), 2, 8, 1, 0, 2), s -> {});
        LoraBench.Result bf16 = LoraBench.run(new LoraBench.Settings(c, LoraConfig.allLinear(4, 8, 0), 2, 8, 1, 0, 2, true), s -> {});
        assertTrue(bf16.firstLoss() != fp32.firstLoss(), "the projections were rounded");
        assertEquals(fp32.firstLoss(), bf16.firstLoss(), 1e-3);
        assertTrue(Double.isFinite(bf16.lastLoss()) && bf16.tokensPerSecond() > 0, bf16.toString());
    }
}
