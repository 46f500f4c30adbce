package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import picocli.CommandLine.Option;

/**
 * The random LLaMA-style model of MAIN's benchmarks ({@code bench synthesize}, {@code bench pairs}): by default
 * d=256, 4 layers, 4 heads, 2 KV heads, SwiGLU 688, untied head, vocab 32000 = 19.3M parameters, the shape of
 * {@code bench score} and of {@code tools/hf_main_bench.py}'s peer. Weights ~ N(0, 0.02), norms 1, as a freshly
 * initialised HF model ({@link BenchScoreCommand#randomWeights}).
 */
final class BenchModelOptions {
    @Range(min = 1) @Option(names = "--dim", defaultValue = "256", description = "Hidden size (default: ${DEFAULT-VALUE}).") int dim;
    @Range(min = 1) @Option(names = "--layers", defaultValue = "4", description = "Layers (default: ${DEFAULT-VALUE}).") int layers;
    @Range(min = 1) @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).") int heads;
    @Range(min = 1) @Option(names = "--kv-heads", defaultValue = "2", description = "Key/value heads (default: ${DEFAULT-VALUE}).") int kvHeads;
    @Range(min = 1) @Option(names = "--ffn", defaultValue = "688", description = "SwiGLU width (default: ${DEFAULT-VALUE}).") int ffn;
    @Range(min = 16) @Option(names = "--vocab", defaultValue = "32000", description = "Vocabulary (default: ${DEFAULT-VALUE}).") int vocab;
    @Range(min = 1) @Option(names = "--threads", defaultValue = "2", description = "Threads (default: ${DEFAULT-VALUE}).") int threads;

    /** The config, with room for {@code maxPositions} tokens per sequence. */
    ModelConfig config(int maxPositions) {
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new UserInputException("--dim " + dim + " / --heads " + heads + ": expected a positive even head size (dim / heads)");
        }
        if (heads % kvHeads != 0) {
            throw new UserInputException("--kv-heads: expected a positive divisor of --heads (" + heads + "), found " + kvHeads);
        }
        return new ModelConfig("llama", dim, ffn, layers, heads, kvHeads, dim / heads, vocab, maxPositions, 1e-5, 10000.0, null,
                false, false, 0, 1, 2);
    }

    /** The random model (seed 1234) on the vector kernels with {@code --threads}. */
    Decoder decoder(int maxPositions) {
        DecoderWeights w = BenchScoreCommand.randomWeights(config(maxPositions), 1234);
        return new Decoder(w, true, threads);
    }

    /** For the JSON lines: "d=256 L=4 H=4 KV=2 ffn=688 V=32000". */
    String describe() {
        return "d=" + dim + " L=" + layers + " H=" + heads + " KV=" + kvHeads + " ffn=" + ffn + " V=" + vocab;
    }
}
