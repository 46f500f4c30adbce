package dev.mutual.experiments.recipe;

/**
 * A small LLaMA-style decoder with random weights, for a {@code train} stage that starts from scratch. The vocabulary
 * size, BOS and EOS come from the stage's tokenizer; head_dim is hidden_size / heads.
 *
 * @param hiddenSize       model width, e.g. 32
 * @param layers           decoder layers
 * @param heads            attention heads; must divide hidden_size, and hidden_size / heads must be even (RoPE)
 * @param kvHeads          key/value heads (grouped-query attention when fewer than heads); must divide heads
 * @param intermediateSize SwiGLU width, e.g. 4 * hidden_size
 *
 * <p>Bounded here, so that {@code validate} refuses what {@code run} could not allocate: each width at most
 * {@link #MAX_WIDTH}, and the layers at most {@link #MAX_LAYER_PARAMETERS} weights (the embeddings, vocabulary ×
 * hidden_size twice, come on top and are checked against memory when the stage starts).
 */
public record InitConfig(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize) {
    /** Widest hidden_size or intermediate_size (a from-scratch model here is trained on CPU). */
    public static final int MAX_WIDTH = 8192;
    /** Most decoder layers. */
    public static final int MAX_LAYERS = 256;
    /** Most weights in the decoder layers: 100M weights train with about 1.6 GB of weights, gradients and AdamW state. */
    public static final long MAX_LAYER_PARAMETERS = 100_000_000L;

    public InitConfig {
        if (hiddenSize < 2 || hiddenSize > MAX_WIDTH) {
            throw new IllegalArgumentException("hidden_size: expected 2.." + MAX_WIDTH + " (a small model trained from scratch), found " + hiddenSize);
        }
        if (layers < 1 || layers > MAX_LAYERS) throw new IllegalArgumentException("layers: expected 1.." + MAX_LAYERS + ", found " + layers);
        if (heads < 1 || hiddenSize % heads != 0 || (hiddenSize / heads) % 2 != 0) {
            throw new IllegalArgumentException("heads: expected a divisor of hidden_size (" + hiddenSize
                    + ") leaving an even head size, found " + heads);
        }
        if (kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("kv_heads: expected a divisor of heads (" + heads + "), found " + kvHeads);
        }
        if (intermediateSize < 1 || intermediateSize > MAX_WIDTH) {
            throw new IllegalArgumentException("intermediate_size: expected 1.." + MAX_WIDTH + ", found " + intermediateSize);
        }
        long d = hiddenSize, kv = d / heads * kvHeads;
        long perLayer = 2 * d * d + 2 * kv * d + 3L * intermediateSize * d + 2 * d;
        if (perLayer * layers > MAX_LAYER_PARAMETERS) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + ", layers " + layers + ", intermediate_size " + intermediateSize
                    + " and kv_heads " + kvHeads + " give " + perLayer * layers + " weights in the layers; a random init is for small models"
                    + " (at most " + MAX_LAYER_PARAMETERS + "): lower hidden_size, intermediate_size or layers");
        }
    }
}
