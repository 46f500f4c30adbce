package dev.mutual.experiments.recipe;

/**
 * A small decoder with random weights, for a {@code train} stage that starts from scratch. The vocabulary size, BOS and
 * EOS come from the stage's tokenizer; head_dim is hidden_size / heads. {@code architecture} picks the family's
 * switches, as their published configs set them:
 * <ul>
 *   <li>{@code llama} (LLaMA-2): rms_norm_eps 1e-5, rope_theta 1e4, untied head, no biases, full causal attention;
 *   <li>{@code mistral} (Mistral-7B v0.1): as llama, plus a sliding attention window of {@code sliding_window} tokens;
 *   <li>{@code qwen2} (Qwen2-0.5B/1.5B): rms_norm_eps 1e-6, rope_theta 1e6, bias on q/k/v, head tied to the embeddings.
 * </ul>
 *
 * @param hiddenSize       model width, e.g. 32
 * @param layers           decoder layers
 * @param heads            attention heads; must divide hidden_size, and hidden_size / heads must be even (RoPE)
 * @param kvHeads          key/value heads (grouped-query attention when fewer than heads); must divide heads
 * @param intermediateSize SwiGLU width, e.g. 4 * hidden_size
 * @param architecture     llama, mistral or qwen2
 * @param slidingWindow    mistral's attention window in tokens (each token sees itself and the window - 1 before it)
 *
 * <p>Bounded here, so that {@code validate} refuses what {@code run} could not allocate: each width at most
 * {@link #MAX_WIDTH}, and the layers at most {@link #MAX_LAYER_PARAMETERS} weights (the embeddings, vocabulary ×
 * hidden_size twice, come on top and are checked against memory when the stage starts).
 */
public record InitConfig(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize,
                         @Default("llama") String architecture, @Default("128") int slidingWindow) {
    /** The architectures a random init can take. */
    public static final java.util.List<String> ARCHITECTURES = java.util.List.of("llama", "mistral", "qwen2");
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
        if (!ARCHITECTURES.contains(architecture)) {
            throw new IllegalArgumentException("architecture: expected one of " + ARCHITECTURES + ", found '" + architecture + "'"
                    + DidYouMean.hint(architecture, ARCHITECTURES));
        }
        if (slidingWindow < 1) throw new IllegalArgumentException("sliding_window: expected >= 1 tokens, found " + slidingWindow);
        long d = hiddenSize, kv = d / heads * kvHeads;
        long perLayer = 2 * d * d + 2 * kv * d + 3L * intermediateSize * d + 2 * d + (architecture.equals("qwen2") ? d + 2 * kv : 0);
        if (perLayer * layers > MAX_LAYER_PARAMETERS) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + ", layers " + layers + ", intermediate_size " + intermediateSize
                    + " and kv_heads " + kvHeads + " give " + perLayer * layers + " weights in the layers; a random init is for small models"
                    + " (at most " + MAX_LAYER_PARAMETERS + "): lower hidden_size, intermediate_size or layers");
        }
    }

    /** The model config of this init: the architecture's switches, the tokenizer's vocabulary and special ids. */
    public dev.mutual.trainer.model.ModelConfig modelConfig(int vocabSize, int maxPositions, int bosId, int eosId) {
        boolean qwen2 = architecture.equals("qwen2");
        return new dev.mutual.trainer.model.ModelConfig(architecture, hiddenSize, intermediateSize, layers, heads, kvHeads,
                hiddenSize / heads, vocabSize, maxPositions, qwen2 ? 1e-6 : 1e-5, qwen2 ? 1e6 : 1e4, null, qwen2, qwen2,
                architecture.equals("mistral") ? slidingWindow : 0, bosId, eosId);
    }
}
