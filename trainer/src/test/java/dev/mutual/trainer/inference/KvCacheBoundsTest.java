package dev.mutual.trainer.inference;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The KV cache is sized by a token budget and a model's max_position_embeddings, both untrusted: a budget that cannot
 * fit is refused before any cache is allocated (before, positions × kv_dim overflowed an int).
 */
class KvCacheBoundsTest {
    @Test
    void aBillionNewTokensWithAHugeContextIsAClearErrorNotAnIntOverflow() {
        ModelConfig c = new ModelConfig("llama", 16, 32, 1, 2, 2, 8, 50, Integer.MAX_VALUE, 1e-5, 1e4, null, true, false, 0, 1, 2);
        try (Decoder d = new Decoder(ScorerTest.randomWeights(c, 1), false, 1)) {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> new Generator(d).generate(List.of(new int[] {1, 5}), GenerationOptions.greedy(1_000_000_000), null));
            assertEquals("max new tokens 1000000000: prompt 0 (2 tokens) would need a KV cache of 1000000002 positions, more than the "
                    + KvCache.maxPositions(c) + " this model's cache can hold (one Java array per layer); ask for fewer new tokens", e.getMessage());
            // Within one array per layer, but not within the heap.
            e = assertThrows(UserInputException.class,
                    () -> new Generator(d).generate(List.of(new int[] {1, 5}), GenerationOptions.greedy(100_000_000), null));
            assertTrue(e.getMessage().startsWith("max new tokens 100000000: the KV caches of 1 prompt at full length (128 bytes a position) need 12.8 GB"),
                    e.getMessage());
        }
    }

    @Test
    void bytesAndPositionsDoNotOverflow() {
        ModelConfig c = new ModelConfig("llama", 16, 32, 1, 2, 2, 8, 50, Integer.MAX_VALUE, 1e-5, 1e4, null, true, false, 0, 1, 2);
        assertEquals(128, KvCache.bytes(c, 1));
        assertEquals(Long.MAX_VALUE, KvCache.bytes(c, Long.MAX_VALUE / 2));
        assertEquals((Integer.MAX_VALUE - 8) / 16, KvCache.maxPositions(c));
    }
}
