package dev.mutual.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads and writes an HF {@code config.json} as a {@link ModelConfig}. Defaults follow transformers'
 * {@code LlamaConfig}, {@code MistralConfig} and {@code Qwen2Config}. Anything this decoder does not implement
 * (another {@code model_type}, {@code hidden_act}, RoPE scaling type, o_proj/MLP bias, Qwen2's per-layer sliding
 * window) is rejected by key name: a silently different model would be worse than no model.
 * Both the transformers 4.x keys ({@code rope_theta}, {@code rope_scaling}) and 5.x ({@code rope_parameters}) are read.
 */
public final class HfConfigFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

    private HfConfigFile() {}

    /** Parses {@code file} (a {@code config.json}); throws {@link UserInputException} naming the file and key. */
    public static ModelConfig read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserInputException(file + ": not readable as JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new UserInputException(file + ": expected a JSON object, found " + (root == null ? "nothing" : root.getNodeType()));
        return parse(root, file.toString());
    }

    /** Parses an already loaded {@code config.json} object; {@code source} names it in error messages. */
    public static ModelConfig parse(JsonNode root, String source) {
        Reader r = new Reader(root, source);
        String modelType = r.string("model_type", null);
        if (modelType == null) throw new UserInputException(source + ": key 'model_type' is missing; expected one of " + MODEL_TYPES);
        if (!MODEL_TYPES.contains(modelType)) {
            throw new UserInputException(source + ": key 'model_type' is '" + modelType + "'; supported: llama, mistral, qwen2");
        }
        String act = r.string("hidden_act", "silu");
        if (!act.equals("silu")) throw new UserInputException(source + ": key 'hidden_act' is '" + act + "'; only 'silu' (SwiGLU) is implemented");
        if (r.bool("mlp_bias", false)) throw new UserInputException(source + ": key 'mlp_bias' is true; MLP biases are not implemented");

        int hidden = r.requiredInt("hidden_size");
        int heads = r.requiredInt("num_attention_heads");
        int kvHeads = r.integer("num_key_value_heads", heads);
        if (root.get("head_dim") == null || root.get("head_dim").isNull()) {
            // transformers' default head_dim = hidden_size // num_attention_heads; a remainder would silently drop columns.
            if (heads > 0 && hidden > 0 && hidden % heads != 0) {
                throw new UserInputException(source + ": key 'num_attention_heads' is " + heads + ", which does not divide hidden_size "
                        + hidden + " (expected a divisor of hidden_size, or an explicit head_dim)");
            }
        }
        int headDim = r.integer("head_dim", heads > 0 ? hidden / heads : 0);

        boolean attentionBias;
        if (modelType.equals("qwen2")) {
            attentionBias = true; // Qwen2Attention: q/k/v_proj always have bias=True, o_proj never
        } else if (modelType.equals("llama") && r.bool("attention_bias", false)) {
            // LlamaAttention puts the bias on o_proj as well; this decoder only has q/k/v biases.
            throw new UserInputException(source + ": key 'attention_bias' is true; LLaMA's o_proj bias is not implemented");
        } else {
            attentionBias = false;
        }

        int window = 0;
        if (modelType.equals("mistral")) {
            window = r.integer("sliding_window", 0);
        } else if (modelType.equals("qwen2") && r.bool("use_sliding_window", false)) {
            throw new UserInputException(source + ": key 'use_sliding_window' is true; Qwen2's per-layer sliding window "
                    + "(max_window_layers) is not implemented");
        }

        JsonNode layerTypes = root.get("layer_types");
        if (layerTypes != null && layerTypes.isArray() && !modelType.equals("mistral")) {
            for (JsonNode t : layerTypes) {
                if (!t.asText().equals("full_attention")) {
                    throw new UserInputException(source + ": key 'layer_types' lists '" + t.asText() + "'; only full_attention layers are "
                            + "implemented for " + modelType);
                }
            }
        }

        // transformers 5 keeps rope_theta and the scaling type inside rope_parameters.
        JsonNode ropeNode = root.get("rope_parameters");
        String ropeKey = "rope_parameters";
        if (ropeNode == null || ropeNode.isNull()) {
            ropeNode = root.get("rope_scaling");
            ropeKey = "rope_scaling";
        }
        double theta = r.number("rope_theta", 10000.0);
        ModelConfig.RopeScaling scaling = null;
        if (ropeNode != null && !ropeNode.isNull()) {
            if (!ropeNode.isObject()) throw new UserInputException(source + ": key '" + ropeKey + "' must be an object or null, found " + ropeNode);
            Reader rope = new Reader(ropeNode, source + " key '" + ropeKey + "'");
            if (ropeKey.equals("rope_parameters")) theta = rope.number("rope_theta", theta);
            String type = rope.string("rope_type", rope.string("type", "default"));
            try {
                switch (type) {
                    case "default" -> { }
                    case "llama3" -> scaling = new ModelConfig.RopeScaling(
                            rope.requiredNumber("factor"), rope.requiredNumber("low_freq_factor"),
                            rope.requiredNumber("high_freq_factor"), rope.requiredInt("original_max_position_embeddings"));
                    default -> throw new UserInputException(source + ": key '" + ropeKey + ".rope_type' is '" + type
                            + "'; only 'default' and 'llama3' are implemented");
                }
            } catch (IllegalArgumentException e) {
                throw new UserInputException(source + ": key '" + ropeKey + "': " + e.getMessage(), e);
            }
        }
        try {
            return new ModelConfig(modelType, hidden, r.requiredInt("intermediate_size"), r.requiredInt("num_hidden_layers"),
                    heads, kvHeads, headDim, r.requiredInt("vocab_size"), r.integer("max_position_embeddings", 2048),
                    r.number("rms_norm_eps", 1e-6), theta, scaling, r.bool("tie_word_embeddings", false), attentionBias,
                    window, r.firstInt("bos_token_id"), r.firstInt("eos_token_id"));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(source + ": " + e.getMessage(), e);
        }
    }

    /** The HF {@code config.json} object for {@code c}: what {@code AutoConfig.from_pretrained} reads back as the same model. */
    public static ObjectNode toJson(ModelConfig c) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(architecture(c.modelType()));
        o.put("model_type", c.modelType());
        o.put("hidden_act", "silu");
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", c.intermediateSize());
        o.put("num_hidden_layers", c.numLayers());
        o.put("num_attention_heads", c.numHeads());
        o.put("num_key_value_heads", c.numKvHeads());
        o.put("head_dim", c.headDim());
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.maxPositions());
        o.put("rms_norm_eps", c.rmsNormEps());
        o.put("rope_theta", c.ropeTheta());
        if (c.ropeScaling() == null) {
            o.putNull("rope_scaling");
        } else {
            ObjectNode s = o.putObject("rope_scaling");
            s.put("rope_type", "llama3");
            s.put("factor", c.ropeScaling().factor());
            s.put("low_freq_factor", c.ropeScaling().lowFreqFactor());
            s.put("high_freq_factor", c.ropeScaling().highFreqFactor());
            s.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositionEmbeddings());
        }
        o.put("tie_word_embeddings", c.tieWordEmbeddings());
        switch (c.modelType()) {
            case "llama" -> { o.put("attention_bias", false); o.put("mlp_bias", false); }
            case "mistral" -> { if (c.slidingWindow() > 0) o.put("sliding_window", c.slidingWindow()); else o.putNull("sliding_window"); }
            case "qwen2" -> { o.put("use_sliding_window", false); o.putNull("sliding_window"); }
            default -> throw new IllegalStateException(c.modelType());
        }
        if (c.bosTokenId() >= 0) o.put("bos_token_id", c.bosTokenId());
        if (c.eosTokenId() >= 0) o.put("eos_token_id", c.eosTokenId());
        o.put("torch_dtype", "float32");
        return o;
    }

    /** Writes {@code config.json} to {@code file} atomically. */
    public static void write(ModelConfig c, Path file) {
        writeJsonAtomically(toJson(c), file);
    }

    static String architecture(String modelType) {
        return switch (modelType) {
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> throw new IllegalArgumentException("unknown model_type " + modelType);
        };
    }

    /** Writes pretty JSON to a temp file beside {@code file}, then renames it over {@code file}. */
    public static void writeJsonAtomically(JsonNode node, Path file) {
        AtomicFile.write(file, out -> JSON.writeValue(out, node));
    }

    /** Typed access to one JSON object, with errors that name the source and the key. */
    private record Reader(JsonNode node, String source) {
        private JsonNode get(String key) {
            JsonNode v = node.get(key);
            return v == null || v.isNull() ? null : v;
        }

        private UserInputException wrong(String key, String expected, JsonNode found) {
            return new UserInputException(source + ": key '" + key + "' must be " + expected + ", found " + found);
        }

        String string(String key, String dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isTextual()) throw wrong(key, "a string", v);
            return v.asText();
        }

        boolean bool(String key, boolean dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isBoolean()) throw wrong(key, "true or false", v);
            return v.booleanValue();
        }

        int integer(String key, int dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrong(key, "an integer", v);
            return v.intValue();
        }

        int requiredInt(String key) {
            if (get(key) == null) throw new UserInputException(source + ": key '" + key + "' is missing; expected an integer");
            return integer(key, 0);
        }

        double number(String key, double dflt) {
            JsonNode v = get(key);
            if (v == null) return dflt;
            if (!v.isNumber()) throw wrong(key, "a number", v);
            return v.doubleValue();
        }

        double requiredNumber(String key) {
            if (get(key) == null) throw new UserInputException(source + ": key '" + key + "' is missing; expected a number");
            return number(key, 0);
        }

        /** A token id that may be given as an int or a list of ints (LLaMA 3 lists several EOS ids); -1 when absent. */
        int firstInt(String key) {
            JsonNode v = get(key);
            if (v == null) return -1;
            if (v.isArray()) {
                if (v.isEmpty()) return -1;
                JsonNode first = v.get(0);
                if (!first.isIntegralNumber() || !first.canConvertToInt()) throw wrong(key, "an integer or a list of integers", v);
                return first.intValue();
            }
            return integer(key, -1);
        }
    }
}
