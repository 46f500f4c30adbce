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
        keys = new float[config.numLayers()][floats(cap)];
        values = new float[config.numLayers()][floats(cap)];
    }

    /** Most positions one layer's buffer can hold: each is one Java array of positions × kvDim floats. */
    public static long maxPositions(ModelConfig config) {
        return ModelConfig.MAX_TENSOR_VALUES / ((long) config.numKvHeads() * config.headDim());
    }

    /** Bytes of keys and values for {@code positions} positions of one sequence, all layers (no overflow below 2^63). */
    public static long bytes(ModelConfig config, long positions) {
        long perPosition = 2L * config.numLayers() * config.numKvHeads() * config.headDim() * Float.BYTES;
        return positions > Long.MAX_VALUE / perPosition ? Long.MAX_VALUE : positions * perPosition;
    }

    private int floats(long positions) {
        long n = positions * kvDim;
        if (n > ModelConfig.MAX_TENSOR_VALUES) {
            throw new IllegalArgumentException("a KV cache of " + positions + " positions × " + kvDim + " key/value floats is more than one"
                    + " Java array holds (at most " + ModelConfig.MAX_TENSOR_VALUES / kvDim + " positions)");
        }
        return (int) n;
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
        long grown = Math.max(need, Math.min(2L * cap, ModelConfig.MAX_TENSOR_VALUES / kvDim));
        if (window > 0) grown = Math.min(grown, window);
        int n = floats(grown);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], n);
            values[l] = Arrays.copyOf(values[l], n);
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
