package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.model.RopeFrequencies;
import dev.mutual.trainer.ops.RotaryEmbedding;

/**
 * Rotary position embeddings ({@link RotaryEmbedding}'s rule, in float) in HF's rotate_half layout: dimension j of a head pairs with j + hd/2, both rotated
 * by pos * invFreq[j]. Angles are computed as transformers does, in fp32 ({@code inv_freq} float, times the
 * position as float), then cos/sin of that float. The frequencies come from {@link RopeFrequencies}.
 */
final class RoPE {
    private RoPE() {}

    /** invFreq[j] = theta^(-2j/hd) in float32 as transformers holds it, llama3-scaled when configured. */
    static float[] inverseFrequencies(ModelConfig c) {
        double[] inv = RopeFrequencies.inverseFrequencies(c, true);
        float[] out = new float[inv.length];
        for (int j = 0; j < inv.length; j++) out[j] = (float) inv[j];
        return out;
    }

    /** {cos, sin}, each [rows, hd/2], for the given positions. */
    static float[][] table(int[] positions, float[] invFreq) {
        int half = invFreq.length;
        float[] cos = new float[positions.length * half], sin = new float[positions.length * half];
        for (int r = 0; r < positions.length; r++) {
            for (int j = 0; j < half; j++) {
                float angle = (float) positions[r] * invFreq[j];
                cos[r * half + j] = (float) Math.cos(angle);
                sin[r * half + j] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }

    /** In place on x [rows, heads * hd]: (a, b) -> (a cos - b sin, b cos + a sin) for a = x[j], b = x[j + hd/2]. */
    static void apply(float[] x, int rows, int heads, int hd, float[][] cosSin) {
        int half = hd / 2;
        float[] cos = cosSin[0], sin = cosSin[1];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int o = (r * heads + h) * hd;
                for (int j = 0; j < half; j++) {
                    float a = x[o + j], b = x[o + j + half], cs = cos[r * half + j], sn = sin[r * half + j];
                    x[o + j] = RotaryEmbedding.first(a, b, cs, sn);
                    x[o + j + half] = RotaryEmbedding.second(a, b, cs, sn);
                }
            }
        }
    }
}
