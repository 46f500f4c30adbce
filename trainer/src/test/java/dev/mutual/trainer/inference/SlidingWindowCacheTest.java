package dev.mutual.trainer.inference;

import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistral's rolling KV cache: with {@code sliding_window} 8 (the HF parity fixture) the cache holds 8 positions however
 * long the sequence, and cached decoding gives the logits of recomputing the whole sequence in one pass with the
 * sliding-window mask (which HfParityTest pins to transformers, 24 tokens over the 8-position window).
 */
class SlidingWindowCacheTest {
    static final DecoderWeights MISTRAL = HfCheckpoint.load(HfParityTest.PARITY.resolve("mistral")).weights();

    /** Logits of every position of {@code seq}, from one pass over the whole sequence (no cached positions). */
    static float[] recomputed(Decoder d, int[] seq) {
        float[] hidden = d.forward(List.of(new Decoder.Chunk(seq, d.newCache(seq.length))));
        return d.logits(hidden, 0, seq.length);
    }

    @Test
    void cachedChunksPastTheWindowMatchRecomputationAndTheCacheStaysAtTheWindow() {
        int window = MISTRAL.config().slidingWindow(), vocab = MISTRAL.config().vocabSize();
        assertEquals(8, window);
        int[] seq = new int[60];
        for (int i = 0; i < seq.length; i++) seq[i] = 3 + (i * 37) % 90;
        // chunk sizes: shorter than, equal to and longer than the window, and single tokens once it has wrapped
        int[] sizes = {5, 1, 1, 3, 8, 11, 1, 1, 1, 20, 1, 1, 1, 1, 1, 1, 1, 1};
        assertEquals(seq.length, Arrays.stream(sizes).sum());
        for (boolean vector : new boolean[] {false, true}) {
            try (Decoder d = new Decoder(MISTRAL, vector, 2)) {
                float[] want = recomputed(d, seq);
                KvCache cache = d.newCache(seq.length);
                int pos = 0;
                double worst = 0;
                for (int n : sizes) {
                    float[] hidden = d.forward(List.of(new Decoder.Chunk(Arrays.copyOfRange(seq, pos, pos + n), cache)));
                    float[] got = d.logits(hidden, 0, n);
                    for (int i = 0; i < n * vocab; i++) worst = Math.max(worst, Math.abs(got[i] - want[pos * vocab + i]));
                    pos += n;
                    assertTrue(cache.capacity() <= window, "cache holds " + cache.capacity() + " positions at " + pos);
                }
                assertEquals(seq.length, cache.length());
                assertEquals(window, cache.capacity());
                assertTrue(worst < 1e-5, (vector ? "vector" : "scalar") + " max |diff| " + worst);
            }
        }
    }

    @Test
    void greedyGenerationPastTheWindowEqualsRecomputingEachStep() {
        ModelConfig c = MISTRAL.config();
        List<int[]> prompts = List.of(new int[] {1, 17, 42}, new int[] {1, 5, 9, 11, 70, 33, 21, 64, 8, 12, 40, 41, 90});
        try (Decoder d = new Decoder(MISTRAL, true, 1)) {
            List<Generator.Result> got = new Generator(d).generate(prompts, GenerationOptions.greedy(40), null);
            for (int p = 0; p < prompts.size(); p++) {
                int[] seq = prompts.get(p);
                for (int step = 0; step < 40; step++) {
                    float[] logits = recomputed(d, seq);
                    int best = Sampler.ARGMAX.sample(Arrays.copyOfRange(logits, (seq.length - 1) * c.vocabSize(), seq.length * c.vocabSize()), null);
                    seq = Arrays.copyOf(seq, seq.length + 1);
                    seq[seq.length - 1] = best;
                }
                assertArrayEquals(Arrays.copyOfRange(seq, prompts.get(p).length, seq.length), got.get(p).tokens(), "prompt " + p);
            }
            // the window matters here: the same weights attending to everything generate something else
            ModelConfig full = new ModelConfig(c.modelType(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                    c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositions(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(),
                    c.tieWordEmbeddings(), c.attentionBias(), 0, c.bosTokenId(), c.eosTokenId());
            try (Decoder unwindowed = new Decoder(new DecoderWeights(full, MISTRAL.embedTokens(), MISTRAL.layers(), MISTRAL.norm(), MISTRAL.lmHead()), true, 1)) {
                List<Generator.Result> other = new Generator(unwindowed).generate(prompts, GenerationOptions.greedy(40), null);
                assertFalse(Arrays.equals(got.get(1).tokens(), other.get(1).tokens()));
            }
        }
    }
}
