package dev.mutual.trainer.model;

/**
 * RoPE inverse frequencies and cos/sin tables in Hugging Face's layout: frequency {@code i} drives dimension
 * {@code i} and {@code i + headDim/2} of each head ({@code rotate_half}, not interleaved pairs). The one place both
 * the inference engine and the training graph get their rotary frequencies from.
 * Source: transformers {@code modeling_rope_utils.py} ({@code _compute_default_rope_parameters},
 * {@code _compute_llama3_parameters}); llama3 scaling leaves {@code attention_scaling} at 1.
 */
public final class RopeFrequencies {

    private RopeFrequencies() {}

    /** {@code inv_freq[i] = 1 / theta^(2i / headDim)} for {@code i < headDim/2}, llama3-scaled when configured. */
    public static double[] inverseFrequencies(ModelConfig config) {
        return inverseFrequencies(config, false);
    }

    /**
     * As {@link #inverseFrequencies(ModelConfig)}; with {@code fp32Base} each unscaled {@code theta^(-2i/headDim)} is
     * first rounded to float, as transformers holds {@code inv_freq} in float32 (the inference engine's choice; the
     * training graph keeps double so its gradient check sees no rounding).
     */
    public static double[] inverseFrequencies(ModelConfig config, boolean fp32Base) {
        int half = config.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / config.headDim());
            if (fp32Base) inv[i] = (float) inv[i];
        }
        ModelConfig.RopeScaling s = config.ropeScaling();
        if (s == null) return inv;
        // llama3: long wavelengths (> original_ctx / low_freq_factor) are divided by factor, short ones
        // (< original_ctx / high_freq_factor) kept, and the band between interpolated linearly in 1/wavelength.
        double lowFreqWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highFreqWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        for (int i = 0; i < half; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowFreqWavelen) {
                inv[i] = inv[i] / s.factor();
            } else if (wavelen >= highFreqWavelen) {
                double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
            }
        }
        return inv;
    }

    /** {@code [seqLen][headDim]}: cos(position * inv_freq[i mod headDim/2]) for positions 0..seqLen-1, in double. */
    public static double[][] cos(ModelConfig config, int seqLen) {
        return table(config, seqLen, true);
    }

    /** {@code [seqLen][headDim]}: sin(position * inv_freq[i mod headDim/2]), in double. */
    public static double[][] sin(ModelConfig config, int seqLen) {
        return table(config, seqLen, false);
    }

    private static double[][] table(ModelConfig config, int seqLen, boolean cos) {
        double[] inv = inverseFrequencies(config);
        int hd = config.headDim();
        double[][] t = new double[seqLen][hd];
        for (int p = 0; p < seqLen; p++) {
            for (int i = 0; i < hd; i++) {
                double angle = p * inv[i % (hd / 2)];
                t[p][i] = cos ? Math.cos(angle) : Math.sin(angle);
            }
        }
        return t;
    }
}
