package dev.mutual.eval.model;

import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.model.DecoderWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Predicate;

/**
 * A model ready to run: its weights, the inference decoder over them, its stop ids and (when one is found) its
 * tokenizer. What the CLI's {@code --model} options and the recipe stages that generate or score both load.
 *
 * @param eosTokenIds stop ids from generation_config.json / config.json (llama2.c: 2)
 * @param tokenizer   the model's tokenizer, or null when none was given or found beside it
 */
public record LoadedModel(DecoderWeights weights, Decoder decoder, List<Integer> eosTokenIds, TextTokenizer tokenizer)
        implements AutoCloseable {

    public LoadedModel {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /**
     * @param model     an HF model directory or a llama2.c {@code .bin}
     * @param tokenizer a tokenizer file or folder, or null for the one in the model directory
     * @param vector    the Vector API kernels (else the scalar reference kernels)
     * @param threads   threads for the matrix products
     */
    public static LoadedModel open(Path model, Path tokenizer, boolean vector, int threads) {
        return open(model, tokenizer, w -> vector, threads);
    }

    /** {@link #open(Path, Path, boolean, int)}, choosing the kernels once the weights (and so the model size) are known. */
    public static LoadedModel open(Path model, Path tokenizer, Predicate<DecoderWeights> vector, int threads) {
        return open(model, tokenizer, HfCheckpoint.Precision.F32, vector, threads);
    }

    /**
     * {@link #open(Path, Path, Predicate, int)} with an HF directory's matrices held as {@code precision} says
     * ({@link HfCheckpoint.Precision}: AUTO keeps a bf16/f16 checkpoint in 16 bits; a llama2.c file is always fp32).
     * Weights kept in 16 bits serve inference only: {@link DecoderWeights#widened} for training or merging.
     */
    public static LoadedModel open(Path model, Path tokenizer, HfCheckpoint.Precision precision, Predicate<DecoderWeights> vector, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (!Files.exists(model)) throw new UserInputException("model " + model + ": no such file or directory");
        DecoderWeights weights;
        List<Integer> eos;
        Path tokenizerPath = tokenizer;
        if (Files.isDirectory(model)) {
            HfCheckpoint.Loaded hf = HfCheckpoint.load(model, precision);
            weights = hf.weights();
            eos = hf.eosTokenIds();
            if (tokenizerPath == null) tokenizerPath = tokenizerIn(model);
        } else if (model.getFileName().toString().endsWith(".bin")) {
            weights = Llama2cCheckpoint.read(model);
            eos = List.of(2);
        } else {
            throw new UserInputException("model " + model + ": expected an HF model directory or a llama2.c .bin file");
        }
        TextTokenizer tok = tokenizerPath == null ? null : TextTokenizer.load(tokenizerPath);
        return new LoadedModel(weights, new Decoder(weights, vector.test(weights), threads), eos, tok);
    }

    /** The tokenizer, or a clear error naming what needed it. */
    public TextTokenizer requireTokenizer(String why) {
        if (tokenizer == null) throw new UserInputException("no tokenizer found for the model; " + why + " needs one: pass --tokenizer FILE");
        return tokenizer;
    }

    /**
     * The token an empty context starts from: BOS, else the model's BOS id, else its first EOS id (as
     * lm-evaluation-harness's prefix token for tokenizers without BOS, e.g. Qwen2).
     */
    public int startToken() {
        if (tokenizer != null) {
            OptionalInt bos = tokenizer.bosId();
            if (bos.isPresent()) return bos.getAsInt();
        }
        if (weights.config().bosTokenId() >= 0) return weights.config().bosTokenId();
        if (!eosTokenIds.isEmpty()) return eosTokenIds.get(0);
        throw new UserInputException("the model has neither a BOS nor an EOS id to start an empty context from");
    }

    @Override
    public void close() {
        decoder.close();
        if (tokenizer != null) tokenizer.close();
    }

    /**
     * The llama2.c tokenizer a model was trained with when Mutual saved it beside the model (its tokenizer.json is the
     * equivalent written for the Python tools; the .bin is the original), else tokenizer.json[.gz], else another
     * llama2.c tokenizer ("tok*.bin") kept beside a converted model, else null.
     */
    public static Path tokenizerIn(Path dir) {
        for (String name : List.of("tokenizer.bin", "tok512.bin")) if (Files.exists(dir.resolve(name))) return dir.resolve(name);
        if (Files.exists(dir.resolve("tokenizer.json")) || Files.exists(dir.resolve("tokenizer.json.gz"))) return dir;
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("tok") && p.getFileName().toString().endsWith(".bin"))
                    .sorted().findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }
}
