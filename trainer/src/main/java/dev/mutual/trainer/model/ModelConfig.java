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

    public ModelConfig {
        if (numHeads <= 0 || numKvHeads <= 0 || numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads
                    + ") must be a positive multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (hiddenSize <= 0 || intermediateSize <= 0 || numLayers <= 0 || vocabSize <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("hidden_size, intermediate_size, num_hidden_layers, vocab_size and "
                    + "head_dim must be positive");
        }
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
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
                              int originalMaxPositionEmbeddings) {}
}
