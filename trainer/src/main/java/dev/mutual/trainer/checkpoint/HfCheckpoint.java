package dev.mutual.trainer.checkpoint;

import dev.mutual.trainer.model.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.TokenizerFiles;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.HalfFormat;
import dev.mutual.trainer.model.HeapBudget;
import dev.mutual.trainer.model.HfConfigFile;
import dev.mutual.trainer.model.ModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An HF model directory: {@code config.json}, {@code model.safetensors} (or shards with
 * {@code model.safetensors.index.json}), {@code generation_config.json} and the tokenizer files.
 * What {@link #save} writes, {@code AutoModelForCausalLM.from_pretrained} loads.
 */
public final class HfCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A loaded model directory.
     *
     * @param dir         where it was loaded from
     * @param weights     weights and config
     * @param eosTokenIds stop ids from {@code generation_config.json} (or config.json's eos), possibly empty
     */
    public record Loaded(Path dir, DecoderWeights weights, List<Integer> eosTokenIds) {
        public ModelConfig config() {
            return weights.config();
        }
    }

    /**
     * How the matrices (embedding, projections, LM head) are held in memory for inference; norms and biases are always
     * fp32. {@code AUTO} keeps a BF16 or F16 checkpoint tensor in its own 16 bits (and fp32 ones in fp32), {@code F32}
     * widens everything up front (what training reads), {@code BF16} keeps every matrix in bf16, rounding fp32 and f16
     * ones to nearest even.
     */
    public enum Precision { AUTO, F32, BF16 }

    private HfCheckpoint() {}

    /** Loads config.json and the (possibly sharded) safetensors weights of {@code dir}, all widened to fp32. */
    public static Loaded load(Path dir) {
        return load(dir, Precision.F32);
    }

    /**
     * Loads config.json and the weights of {@code dir}, the matrices held as {@code precision} says (16-bit ones in
     * {@link DecoderWeights#half}, packed for the inference kernels; only the inference decoder reads those).
     */
    public static Loaded load(Path dir, Precision precision) {
        if (!Files.isDirectory(dir)) throw new UserInputException(dir + ": not a directory (expected an HF model directory with config.json)");
        Path configFile = dir.resolve("config.json");
        if (!Files.exists(configFile)) throw new UserInputException(dir + ": config.json is missing (not an HF model directory?)");
        ModelConfig config = HfConfigFile.read(configFile);
        if (precision == Precision.F32) {
            HeapBudget.require(HeapBudget.floatBytes(config.parameterCount()), configFile.toString(),
                    "the " + config.parameterCount() + " fp32 weights its sizes imply");
        } else {
            HeapBudget.require(2 * config.parameterCount(), configFile.toString(), "the " + config.parameterCount() + " weights (at least 16 bits each) its sizes imply");
        }
        java.util.Set<String> matrices = new java.util.HashSet<>();
        DecoderWeights.hfShapes(config).forEach((name, shape) -> { if (shape.length == 2) matrices.add(name); });
        matrices.add("lm_head.weight"); // read (and ignored) even when tied: no need to widen it
        Safetensors.Tensors tensors = Safetensors.readModel(dir, e -> !matrices.contains(e.name()) ? null : switch (precision) {
            case F32 -> null;
            case BF16 -> HalfFormat.BF16;
            case AUTO -> e.dtype() == Safetensors.DType.BF16 ? HalfFormat.BF16 : e.dtype() == Safetensors.DType.F16 ? HalfFormat.F16 : null;
        });
        DecoderWeights weights = DecoderWeights.fromHfTensors(config, tensors.wide(), tensors.half(), dir.toString());
        List<Integer> eos = new ArrayList<>();
        Path gen = dir.resolve("generation_config.json");
        if (Files.exists(gen)) {
            try {
                JsonNode g = JSON.readTree(gen.toFile()).get("eos_token_id");
                if (g != null && g.isArray()) g.forEach(x -> eos.add(x.asInt()));
                else if (g != null && g.isIntegralNumber()) eos.add(g.asInt());
            } catch (IOException e) {
                throw new UserInputException(gen + ": not readable as JSON: " + e.getMessage(), e);
            }
        }
        if (eos.isEmpty() && config.eosTokenId() >= 0) eos.add(config.eosTokenId());
        return new Loaded(dir, weights, List.copyOf(eos));
    }

    /** {@link #save(Path, DecoderWeights, List, long)} with huggingface_hub's default 5GB shards. */
    public static void save(Path dir, DecoderWeights weights, List<Path> tokenizerFiles) {
        save(dir, weights, tokenizerFiles, Safetensors.DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Writes {@code weights} to {@code dir} as an HF model directory (F32 safetensors, sharded as
     * {@code save_pretrained(max_shard_size=maxShardBytes)} shards, see {@link Safetensors#writeModel}), each file
     * atomically, and saves the tokenizer files {@code tokenizerFiles} beside it as {@link TokenizerFiles#save} does
     * (always with a plain tokenizer.json, so transformers' AutoTokenizer loads it; missing files are an error).
     */
    public static void save(Path dir, DecoderWeights weights, List<Path> tokenizerFiles, long maxShardBytes) {
        try {
            Files.createDirectories(dir);
            ModelConfig c = weights.config();
            HfConfigFile.write(c, dir.resolve("config.json"));
            ObjectNode gen = JSON.createObjectNode();
            if (c.bosTokenId() >= 0) gen.put("bos_token_id", c.bosTokenId());
            if (c.eosTokenId() >= 0) gen.put("eos_token_id", c.eosTokenId());
            HfConfigFile.writeJsonAtomically(gen, dir.resolve("generation_config.json"));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt"); // transformers refuses safetensors without format=pt
            Safetensors.writeModel(dir, stateDictOrder(weights.toHfTensors(), c.numLayers()), meta, Safetensors.DType.F32, maxShardBytes);
            TokenizerFiles.save(tokenizerFiles, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model directory " + dir, e);
        }
    }

    /**
     * The tensors in the order of transformers' {@code model.state_dict()}, which decides what goes in which shard:
     * modules in registration order, so per layer self_attn (q, k, v, o; weight before bias), mlp (gate, up,
     * down), then input_layernorm and post_attention_layernorm (LlamaDecoderLayer / MistralDecoderLayer /
     * Qwen2DecoderLayer {@code __init__}).
     */
    static Map<String, Tensor> stateDictOrder(Map<String, Tensor> tensors, int layers) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        names.add("model.embed_tokens.weight");
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            for (String proj : List.of("q", "k", "v", "o")) {
                names.add(p + "self_attn." + proj + "_proj.weight");
                names.add(p + "self_attn." + proj + "_proj.bias");
            }
            for (String proj : List.of("gate", "up", "down")) names.add(p + "mlp." + proj + "_proj.weight");
            names.add(p + "input_layernorm.weight");
            names.add(p + "post_attention_layernorm.weight");
        }
        names.add("model.norm.weight");
        names.add("lm_head.weight");
        for (String n : names) if (tensors.containsKey(n)) out.put(n, tensors.get(n));
        if (out.size() != tensors.size()) throw new IllegalStateException("tensors outside the state_dict order: " + tensors.keySet());
        return out;
    }

    /** The tokenizer files present in {@code dir}, to carry along when saving a model loaded from it. */
    public static List<Path> tokenizerFilesIn(Path dir) {
        return TokenizerFiles.of(dir);
    }
}
