package dev.mutual.trainer.lora;

import java.util.SplittableRandom;

/**
 * The random source of LoRA dropout, shared by both training engines so they draw the same masks: one generator per
 * forward/backward pass, seeded by (run seed, pass number). A checkpoint then only needs the pass count to resume
 * the exact mask sequence.
 */
public final class LoraDropout {

    private LoraDropout() {}

    /** The generator of pass {@code draw} (0 for the first) of a run seeded with {@code seed}. */
    public static SplittableRandom forDraw(long seed, long draw) {
        // SplittableRandom's first output is a strong 64-bit hash of its seed: well-mixed seeds for nearby draws.
        return new SplittableRandom(new SplittableRandom(seed + draw * 0xD1B54A32D192ED03L).nextLong());
    }
}
