package dev.mutual.trainer.train;

import dev.mutual.trainer.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The MFU numerator against a hand count for torch_llama_bench.py's config (PaLM appendix B). */
class ModelFlopsTest {

    @Test
    void fullAndLoraFlopsPerTokenMatchAHandCount() {
        ModelConfig c = TrainingBench.torchBenchConfig(4096);
        // Per layer: q 256x256, k and v 256x128 each, o 256x256, gate/up/down 256x688 each = 724,992 weights;
        // 4 layers plus the 4096x256 head = 3,948,544 weights that multiply every token.
        long weights = 4L * (256 * 256 + 2 * 256 * 128 + 256 * 256 + 3 * 256 * 688) + 4096L * 256;
        assertEquals(3_948_544L, weights);
        // Attention at T = 128: QK^T and AV, 2 FLOPs per multiply-add each, x3 for forward and backward.
        double attention = 12.0 * 4 * 128 * 256;
        assertEquals(6.0 * weights + attention, TrainingBench.modelFlopsPerToken(c, 128));
        // LoRA: frozen weights cost forward + input gradient (4), the adapter's 1,000 weights the full 6.
        assertEquals(4.0 * weights + 6.0 * 1000 + attention, TrainingBench.modelFlopsPerToken(c, 128, 1000));
    }
}
