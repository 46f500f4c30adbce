package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.model.LoadedModel;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.model.DecoderWeights;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --model PATH [--tokenizer FILE] [--threads N] [--scalar]}, shared by generate and score. PATH is an HF
 * model directory or a llama2.c {@code .bin} checkpoint (which needs {@code --tokenizer} for text).
 */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "HF model directory (config.json + model.safetensors) or llama2.c .bin checkpoint.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer: tokenizer.json, a folder, or a llama2.c tokenizer .bin (default: the one in the model directory).")
    Path tokenizer;

    @Option(names = "--threads", defaultValue = "1", description = "Threads for the matrix products (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int threads;

    /** Which matrix kernels: the Vector API ones, the scalar reference, or auto (see {@link #load(boolean)}). */
    enum Kernels { auto, vector, scalar }

    @Option(names = "--kernels", defaultValue = "auto", paramLabel = "auto|vector|scalar",
            description = "Vector API kernels (fast once the JIT has compiled them), the scalar reference kernels, or auto "
                    + "(default): scalar for a short generate on a tiny model (under 5M parameters), where the JIT warm-up of "
                    + "the vector code costs more than it saves, vector otherwise.")
    Kernels kernels;

    /** How an HF model's matrices are held: see {@link HfCheckpoint.Precision}. */
    enum Weights { auto, f32, bf16 }

    @Option(names = "--weights", defaultValue = "auto", paramLabel = "auto|f32|bf16",
            description = "Matrices of an HF model in memory: auto (default) keeps a bf16/f16 checkpoint in its 16 bits "
                    + "(half the memory; widened to fp32 inside the matrix kernels) and fp32 in fp32, f32 widens everything "
                    + "up front, bf16 rounds every matrix to bf16. Norms and biases are always fp32.")
    Weights weights;

    /** A model ready to run: weights, the decoder over them, stop ids and (maybe) a tokenizer. */
    record Loaded(DecoderWeights weights, Decoder decoder, List<Integer> eosTokenIds, TextTokenizer tokenizer) implements AutoCloseable {
        TextTokenizer requireTokenizer(String why) {
            if (tokenizer == null) throw new UserInputException("no tokenizer found for the model; " + why + " needs one: pass --tokenizer FILE");
            return tokenizer;
        }

        @Override
        public void close() {
            decoder.close();
            if (tokenizer != null) tokenizer.close();
        }
    }

    /** Below this many parameters a one-off generation finishes before the vector kernels are compiled (BENCHMARKS.md). */
    static final long TINY_MODEL_PARAMETERS = 5_000_000;

    /** @param shortRun the command does little work (one generation), so auto picks scalar kernels for tiny models */
    Loaded load(boolean shortRun) {
        if (!Files.exists(model)) throw new UserInputException("--model " + model + ": no such file or directory");
        if (!Files.isDirectory(model) && !model.getFileName().toString().endsWith(".bin")) {
            throw new UserInputException("--model " + model + ": expected an HF model directory or a llama2.c .bin file");
        }
        LoadedModel m = LoadedModel.open(model, tokenizer, precision(weights), w -> switch (kernels) {
            case vector -> true;
            case scalar -> false;
            case auto -> !(shortRun && w.parameterCount() < TINY_MODEL_PARAMETERS);
        }, threads);
        return new Loaded(m.weights(), m.decoder(), m.eosTokenIds(), m.tokenizer());
    }

    static HfCheckpoint.Precision precision(Weights w) {
        return switch (w) {
            case auto -> HfCheckpoint.Precision.AUTO;
            case f32 -> HfCheckpoint.Precision.F32;
            case bf16 -> HfCheckpoint.Precision.BF16;
        };
    }

    /** The tokenizer Mutual uses for a model directory: see {@link LoadedModel#tokenizerIn}. */
    static Path tokenizerIn(Path dir) {
        return LoadedModel.tokenizerIn(dir);
    }
}
