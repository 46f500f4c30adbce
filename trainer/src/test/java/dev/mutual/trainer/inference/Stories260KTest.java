package dev.mutual.trainer.inference;

import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * stories260K (llama2.c) greedy from BOS against the 40 ids llama2.c's run.c printed (shared/data/models/stories260K/
 * SOURCE.md), through the q/k row permutation to HF rotate_half RoPE, on the scalar and the vector path, and after
 * saving as an HF directory and loading it back.
 */
class Stories260KTest {
    /** The stories260K tokenizer as the repository ships it (samples/SOURCE.md). */
    static final Path TOKENIZER = Path.of("../samples/tok512.bin");
    static final int[] GOLDEN = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396,
            267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352};

    @TempDir
    Path dir;

    /** stories260K.bin from ../shared/data; the calling test is skipped without it. */
    static Path model() {
        return assumeShared("models/stories260K/stories260K.bin");
    }

    static int[] greedy(DecoderWeights w, boolean vectorized, int n) {
        try (Decoder d = new Decoder(w, vectorized, 1)) {
            return new Generator(d).generate(List.of(new int[] {1}), GenerationOptions.greedy(n), null).get(0).tokens();
        }
    }

    @Test
    void greedyFromBosMatchesLlama2cOnBothPaths() {
        DecoderWeights w = Llama2cCheckpoint.read(model());
        assertEquals(64, w.config().hiddenSize());
        assertEquals(4, w.config().numKvHeads());
        assertEquals(true, w.config().tieWordEmbeddings());
        assertArrayEquals(GOLDEN, greedy(w, false, 40));
        assertArrayEquals(GOLDEN, greedy(w, true, 40));
    }

    @Test
    void withoutTheRowPermutationTheIdsDiffer() {
        // Undo the permutation on every q/k: llama2.c's weights under HF's RoPE must give a different text,
        // otherwise the golden test could not catch a wrong layout.
        DecoderWeights w = Llama2cCheckpoint.read(model());
        int hd = w.config().headDim(), half = hd / 2, d = w.config().hiddenSize();
        List<DecoderWeights.Layer> raw = new ArrayList<>();
        for (DecoderWeights.Layer l : w.layers()) {
            raw.add(new DecoderWeights.Layer(l.inputNorm(), halvesToInterleaved(l.qProj(), w.config().numHeads(), hd, d), null,
                    halvesToInterleaved(l.kProj(), w.config().numKvHeads(), hd, d), null, l.vProj(), null, l.oProj(), l.postNorm(),
                    l.gateProj(), l.upProj(), l.downProj()));
        }
        DecoderWeights unpermuted = new DecoderWeights(w.config(), w.embedTokens(), raw, w.norm(), w.lmHead());
        assertFalse(Arrays.equals(GOLDEN, greedy(unpermuted, false, 40)));
        assertEquals(half * 2, hd);
    }

    private static float[] halvesToInterleaved(float[] w, int heads, int hd, int in) {
        float[] out = new float[w.length];
        int half = hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int p = 0; p < 2; p++) System.arraycopy(w, (h * hd + p * half + j) * in, out, (h * hd + 2 * j + p) * in, in);
            }
        }
        return out;
    }

    @Test
    void convertedHfDirectoryGivesTheSameIds() {
        DecoderWeights w = Llama2cCheckpoint.read(model());
        HfCheckpoint.save(dir, w, List.of(TOKENIZER));
        HfCheckpoint.Loaded back = HfCheckpoint.load(dir);
        assertEquals(w.config(), back.config());
        assertEquals(List.of(2), back.eosTokenIds());
        assertArrayEquals(GOLDEN, greedy(back.weights(), true, 40));
        assertArrayEquals(w.layers().get(3).kProj(), back.weights().layers().get(3).kProj());
    }
}
