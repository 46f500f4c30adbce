package dev.mutual.trainer.engine;

import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraDropout;
import dev.mutual.trainer.lora.LoraModule;
import dev.mutual.trainer.model.ModelConfig;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * LoRA dropout's masks and random state, the same for both training engines so that they draw the same masks in the
 * same order: pass k draws from a generator seeded by (seed, k) ({@link LoraDropout#forDraw}), layer by layer, module
 * by module in the adapter's order, each entry 0 with probability p, else 1 / (1 - p) (torch's nn.Dropout in
 * training). A checkpoint needs only {@link #state}. Not thread-safe.
 */
public final class DropoutDraws {

    /** Receives one module's mask: entries [0, length) of {@code mask} (a buffer reused for the next module). */
    public interface Sink {
        void accept(int layer, LoraModule module, double[] mask, int length);
    }

    private final LoraConfig lora;
    private final ModelConfig model;
    private final long seed;
    private long draws;
    private double[] buffer = new double[0];

    /** @param lora the adapter, or null (no dropout then) */
    public DropoutDraws(LoraConfig lora, ModelConfig model, long seed) {
        this.lora = lora;
        this.model = model;
        this.seed = seed;
    }

    /** Whether there is any dropout to draw. */
    public boolean active() {
        return lora != null && lora.dropout() > 0;
    }

    /** Draws the next pass's masks for {@code tokens} rows, handing each module's to {@code sink}; none when inactive. */
    public void next(int tokens, Sink sink) {
        if (!active()) return;
        double p = lora.dropout(), keep = 1 - p;
        SplittableRandom rng = LoraDropout.forDraw(seed, draws++);
        for (int l = 0; l < model.numLayers(); l++) {
            for (LoraModule m : lora.modules()) {
                int size = tokens * m.inFeatures(model);
                if (buffer.length < size) buffer = new double[size];
                for (int i = 0; i < size; i++) buffer[i] = rng.nextDouble() < p ? 0 : 1 / keep;
                sink.accept(l, m, buffer, size);
            }
        }
    }

    /** {@code [dropout seed, passes drawn so far]}; empty without dropout. */
    public long[] state() {
        return active() ? new long[] {seed, draws} : new long[0];
    }

    /** Continues from a {@link #state} of an engine with the same adapter and seed. */
    public void restore(long[] state) {
        long[] mine = state();
        if (state.length != mine.length || (state.length == 2 && state[0] != seed)) {
            throw new IllegalArgumentException("random state " + Arrays.toString(state)
                    + " does not fit this model (dropout seed and passes: " + Arrays.toString(mine) + ")");
        }
        if (state.length == 2) draws = state[1];
    }
}
