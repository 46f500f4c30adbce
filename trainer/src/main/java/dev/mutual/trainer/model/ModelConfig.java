package dev.mutual.trainer.model;

/**
 * The hyperparameters of one decoder, named after the HF {@code config.json} keys they come from.
 * One definition covers LLaMA 1/2/3, Mistral and Qwen2: they differ only in the switches below.
 *
 * @param modelType              {@code model_type}: "llama", "mistral" or "qwen2"
 * @param hiddenSize             {@code hidden_size}, e.g. 4096
 * @param intermediateSize       {@code intermediate_size}: SwiGLU width, e.g. 11008
 * @param numLayers              {@code num_hidden_layers}
 * @param numHeads               {@code num_attention_heads}
 * @param numKvHeads             {@code num_key_value_heads}: fewer than numHeads means grouped-query attention
 * @param headDim                {@code head_dim}, default hiddenSize / numHeads
 * @param vocabSize              {@code vocab_size}
 * @param maxPositions           {@code max_position_embeddings}
 * @param rmsNormEps             {@code rms_norm_eps}
 * @param ropeTheta              {@code rope_theta}
 * @param ropeScaling            {@code rope_scaling} of type "llama3", or null for none
 * @param tieWordEmbeddings      {@code tie_word_embeddings}: the LM head reuses the embedding matrix
 * @param attentionBias          bias on q/k/v projections (Qwen2 always; LLaMA's {@code attention_bias})
 * @param slidingWindow          {@code sliding_window} (Mistral), or 0 for full causal attention
 * @param bosTokenId             {@code bos_token_id}, or -1
 * @param eosTokenId             {@code eos_token_id}, or -1
 */
public record ModelConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        int slidingWindow,
        int bosTokenId,
        int eosTokenId) {

    /** Most values one weight tensor may hold: every tensor is one Java {@code float[]}. */
    public static final long MAX_TENSOR_VALUES = Integer.MAX_VALUE - 8;
    /** Most decoder layers: far above any published model (LLaMA 3.1 405B has 126), far below what breaks memory. */
    public static final int MAX_LAYERS = 4096;
    /** Most of any one width (hidden_size, intermediate_size, head_dim, head counts); real models stay below 2^16. */
    public static final int MAX_WIDTH = 1 << 20;
    /** Largest vocabulary: the biggest published ones are about 2^18. */
    public static final int MAX_VOCAB = 1 << 24;

    /**
     * Checks the config as untrusted input (a {@code config.json} or a llama2.c header): every size positive and
     * bounded, each weight tensor within one Java array, the numbers that feed RMSNorm and RoPE positive and finite
     * (0 or a negative value there gives NaN everywhere without failing). Messages name the {@code config.json} key.
     */
    public ModelConfig {
        positive("hidden_size", hiddenSize, MAX_WIDTH);
        positive("intermediate_size", intermediateSize, MAX_WIDTH);
        positive("num_hidden_layers", numLayers, MAX_LAYERS);
        positive("num_attention_heads", numHeads, MAX_WIDTH);
        positive("num_key_value_heads", numKvHeads, MAX_WIDTH);
        positive("head_dim", headDim, MAX_WIDTH);
        positive("vocab_size", vocabSize, MAX_VOCAB);
        positive("max_position_embeddings", maxPositions, Integer.MAX_VALUE);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for RoPE, found " + headDim);
        tensor("vocab_size × hidden_size (model.embed_tokens.weight)", vocabSize, hiddenSize);
        tensor("num_attention_heads × head_dim × hidden_size (self_attn.q_proj.weight)", (long) numHeads * headDim, hiddenSize);
        tensor("intermediate_size × hidden_size (mlp.gate_proj.weight)", intermediateSize, hiddenSize);
        if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
            throw new IllegalArgumentException("rms_norm_eps must be a finite number > 0 (e.g. 1e-6), found " + rmsNormEps);
        }
        if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be a finite number > 0 (e.g. 10000), found " + ropeTheta);
        }
        if (slidingWindow < 0) throw new IllegalArgumentException("sliding_window must be >= 0 (0 or null for none), found " + slidingWindow);
    }

    private static void positive(String key, int value, int max) {
        if (value <= 0 || value > max) {
            throw new IllegalArgumentException(key + " must be an integer in 1.." + max + ", found " + value);
        }
    }

    private static void tensor(String what, long rows, long cols) {
        if (rows * cols > MAX_TENSOR_VALUES) {
            throw new IllegalArgumentException(what + " = " + rows + " × " + cols + " = " + rows * cols
                    + " values, more than one weight tensor can hold (" + MAX_TENSOR_VALUES + ")");
        }
    }

    /** Distinct weight values (a tied head counts once), from the shapes alone: what loading the model allocates. */
    public long parameterCount() {
        long d = hiddenSize, q = (long) numHeads * headDim, kv = (long) numKvHeads * headDim, f = intermediateSize;
        long perLayer = 2 * d + q * d + 2 * kv * d + d * q + 3 * f * d + (attentionBias ? q + 2 * kv : 0);
        return (long) vocabSize * d * (tieWordEmbeddings ? 1 : 2) + numLayers * perLayer + d;
    }

    /** Reads an HF {@code config.json}; see {@link HfConfigFile#read}. */
    public static ModelConfig fromHfConfig(java.nio.file.Path configJson) {
        return HfConfigFile.read(configJson);
    }

    /** Query heads served by each key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /**
     * llama3-style RoPE frequency scaling ({@code rope_scaling.rope_type == "llama3"}).
     *
     * @param factor                        e.g. 8.0
     * @param lowFreqFactor                 e.g. 1.0
     * @param highFreqFactor                e.g. 4.0
     * @param originalMaxPositionEmbeddings e.g. 8192
     */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        /** HF's {@code _validate_llama3_parameters}: low < high, else the smoothing divides by zero. */
        public RopeScaling {
            if (!(factor > 0) || Double.isInfinite(factor)) throw new IllegalArgumentException("factor must be a finite number > 0, found " + factor);
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("low_freq_factor and high_freq_factor must be finite with 0 < low_freq_factor < high_freq_factor,"
                        + " found " + lowFreqFactor + " and " + highFreqFactor);
            }
            if (originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException("original_max_position_embeddings must be > 0, found " + originalMaxPositionEmbeddings);
            }
        }
    }
}
