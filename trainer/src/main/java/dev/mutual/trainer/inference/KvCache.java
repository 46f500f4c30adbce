package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.ModelConfig;

import java.util.Arrays;

/**
 * Keys and values of one sequence for every layer, [slot, kvHeads * headDim] per layer. Keys are stored after RoPE,
 * as HF's DynamicCache does.
 *
 * <p>Without a sliding window position p sits in slot p and the cache grows on demand. With a sliding window W
 * (Mistral) no position ever attends further back than W - 1 positions, so the cache is a ring of at most W slots,
 * position p in slot p mod capacity (transformers' SlidingWindowCache idea): memory stays at W positions however
 * long the generation. It grows like the plain cache until it reaches W, so short sequences stay small.
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    private final int kvDim;
    /** 0 for none, else the most slots ever held. */
    private final int window;
    private int length;

    public KvCache(ModelConfig config, int initialCapacity) {
        this.kvDim = config.numKvHeads() * config.headDim();
        this.window = Math.max(0, config.slidingWindow());
        int cap = Math.max(1, window > 0 ? Math.min(initialCapacity, window) : initialCapacity);
        keys = new float[config.numLayers()][cap * kvDim];
        values = new float[config.numLayers()][cap * kvDim];
    }

    /** Positions seen so far (the next token goes to position length()). */
    public int length() {
        return length;
    }

    /** Positions the buffers can hold: at most the sliding window, when there is one. */
    public int capacity() {
        return keys[0].length / kvDim;
    }

    /** Float offset of position {@code pos}'s row; valid for the last min(length, capacity) positions. */
    int offset(int pos) {
        return (pos % capacity()) * kvDim;
    }

    /** Makes room for positions up to {@code positions - 1}; a windowed cache never grows past the window. */
    void ensureCapacity(int positions) {
        int need = window > 0 ? Math.min(positions, window) : positions;
        int cap = capacity();
        if (need <= cap) return;
        // Only reached while nothing has wrapped (length <= cap), so slots keep their positions when copied.
        int grown = Math.max(need, cap * 2);
        if (window > 0) grown = Math.min(grown, window);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], grown * kvDim);
            values[l] = Arrays.copyOf(values[l], grown * kvDim);
        }
    }

    /**
     * Stores the rows of {@code n} new positions (length() .. length() + n - 1) of layer {@code layer} from k and v
     * (rows row0 .. row0 + n - 1, [rows, kvDim]); with a ring only the last capacity() of them can be kept.
     */
    void store(int layer, float[] k, float[] v, int row0, int n) {
        int start = length, cap = capacity();
        for (int i = Math.max(0, n - cap); i < n; i++) {
            int o = offset(start + i);
            System.arraycopy(k, (row0 + i) * kvDim, keys[layer], o, kvDim);
            System.arraycopy(v, (row0 + i) * kvDim, values[layer], o, kvDim);
        }
    }

    void advance(int n) {
        length += n;
    }
}
