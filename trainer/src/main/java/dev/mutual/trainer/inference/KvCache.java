package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.ModelConfig;

import java.util.Arrays;

/**
 * Keys and values of one sequence for every layer, [position, kvHeads * headDim] per layer, grown on demand.
 * Keys are stored after RoPE, as HF's DynamicCache does.
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    private final int kvDim;
    private int length;

    public KvCache(ModelConfig config, int initialCapacity) {
        this.kvDim = config.numKvHeads() * config.headDim();
        int cap = Math.max(1, initialCapacity);
        keys = new float[config.numLayers()][cap * kvDim];
        values = new float[config.numLayers()][cap * kvDim];
    }

    /** Positions held. */
    public int length() {
        return length;
    }

    void ensureCapacity(int positions) {
        if ((long) positions * kvDim <= keys[0].length) return;
        int cap = Math.max(positions, keys[0].length / kvDim * 2);
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], cap * kvDim);
            values[l] = Arrays.copyOf(values[l], cap * kvDim);
        }
    }

    void advance(int n) {
        length += n;
    }
}
