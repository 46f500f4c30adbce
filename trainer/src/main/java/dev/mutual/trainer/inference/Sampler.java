package dev.mutual.trainer.inference;

import java.util.Random;

/** Picks the next token from one row of logits. The generator calls it for several rows at once (own arrays, own streams). */
public interface Sampler {
    /**
     * @param logits the row (may be modified in place)
     * @param rng    this sequence's random stream
     */
    int sample(float[] logits, Random rng);

    /** Greedy decoding: the highest logit, the lowest id on ties (as torch.argmax). */
    Sampler ARGMAX = (logits, rng) -> argmax(logits);

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
