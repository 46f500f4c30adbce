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
 */
public record InitConfig(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize) {

    public InitConfig {
        if (hiddenSize < 2) throw new IllegalArgumentException("hidden_size: expected >= 2, found " + hiddenSize);
        if (layers < 1) throw new IllegalArgumentException("layers: expected >= 1, found " + layers);
        if (heads < 1 || hiddenSize % heads != 0 || (hiddenSize / heads) % 2 != 0) {
            throw new IllegalArgumentException("heads: expected a divisor of hidden_size (" + hiddenSize
                    + ") leaving an even head size, found " + heads);
        }
        if (kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("kv_heads: expected a divisor of heads (" + heads + "), found " + kvHeads);
        }
        if (intermediateSize < 1) {
            throw new IllegalArgumentException("intermediate_size: expected >= 1, found " + intermediateSize);
        }
    }
}
