package dev.mutual.trainer.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.Safetensors;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.model.HfConfigFile;
import dev.mutual.trainer.model.ModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA adapter directory in PEFT's layout: {@code adapter_config.json} and {@code adapter_model.safetensors}
 * (what {@code PeftModel.save_pretrained} writes and {@code PeftModel.from_pretrained} reads). Only plain LoRA
 * is read: no rsLoRA, DoRA, per-module rank or alpha patterns, layer subsets, trained biases or fan_in_fan_out.
 */
public final class LoraAdapterFile {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LoraAdapterFile() {}

    /** Writes {@code weights} to {@code dir} (created if needed), each file atomically; fp32 tensors. */
    public static void save(Path dir, LoraWeights weights, String baseModelNameOrPath) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create adapter directory " + dir, e);
        }
        LoraConfig c = weights.config();
        ObjectNode root = JSON.createObjectNode();
        root.put("peft_type", "LORA");
        root.put("task_type", "CAUSAL_LM");
        root.put("base_model_name_or_path", baseModelNameOrPath);
        root.put("r", c.r());
        root.put("lora_alpha", c.alpha());
        root.put("lora_dropout", c.dropout());
        ArrayNode targets = root.putArray("target_modules");
        c.targetModules().forEach(targets::add);
        root.put("bias", "none");
        root.put("fan_in_fan_out", false);
        root.put("use_rslora", false);
        root.put("use_dora", false);
        root.put("inference_mode", true);
        root.put("init_lora_weights", true);
        root.putNull("modules_to_save");
        root.putNull("layers_to_transform");
        root.putObject("rank_pattern");
        root.putObject("alpha_pattern");
        // Tensors first, config last: a directory with a config always has its weights.
        Safetensors.write(dir.resolve(WEIGHTS_FILE), weights.tensors(), Map.of("format", "pt"), Safetensors.DType.F32);
        HfConfigFile.writeJsonAtomically(root, dir.resolve(CONFIG_FILE));
    }

    /** Reads {@code adapter_config.json}, failing on anything this implementation would not apply as PEFT does. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) throw new UserInputException(dir + ": " + CONFIG_FILE + " is missing (not a PEFT adapter directory?)");
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserInputException(file + ": not readable as JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new UserInputException(file + ": expected a JSON object");
        expectText(root, "peft_type", "LORA", file);
        JsonNode task = root.get("task_type");
        if (task != null && !task.isNull() && !task.asText().equals("CAUSAL_LM")) {
            throw new UserInputException(file + ": key 'task_type' must be \"CAUSAL_LM\", found " + task);
        }
        JsonNode bias = root.get("bias");
        if (bias != null && !bias.asText().equals("none")) throw new UserInputException(file + ": key 'bias' must be \"none\" (trained biases are not supported), found " + bias);
        for (String flag : List.of("fan_in_fan_out", "use_rslora", "use_dora")) {
            JsonNode v = root.get(flag);
            if (v != null && !v.isNull() && v.asBoolean(true)) throw new UserInputException(file + ": key '" + flag + "' must be false (not supported), found " + v);
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode v = root.get(pattern);
            if (v != null && !v.isNull() && !(v.isObject() && v.isEmpty())) {
                throw new UserInputException(file + ": key '" + pattern + "' must be empty (per-module ranks are not supported), found " + v);
            }
        }
        for (String subset : List.of("layers_to_transform", "modules_to_save")) {
            JsonNode v = root.get(subset);
            if (v != null && !v.isNull()) throw new UserInputException(file + ": key '" + subset + "' must be null (not supported), found " + v);
        }
        JsonNode r = root.get("r"), alpha = root.get("lora_alpha"), dropout = root.get("lora_dropout"), targets = root.get("target_modules");
        if (r == null || !r.isIntegralNumber()) throw new UserInputException(file + ": key 'r' must be an integer rank, found " + r);
        if (alpha == null || !alpha.isNumber()) throw new UserInputException(file + ": key 'lora_alpha' must be a number, found " + alpha);
        if (dropout != null && !dropout.isNumber()) throw new UserInputException(file + ": key 'lora_dropout' must be a number, found " + dropout);
        if (targets == null || !targets.isArray()) {
            throw new UserInputException(file + ": key 'target_modules' must be a list of module names (a regex string is not supported), found " + targets);
        }
        List<String> modules = new ArrayList<>();
        targets.forEach(t -> modules.add(t.asText()));
        try {
            return new LoraConfig(r.intValue(), alpha.doubleValue(), dropout == null ? 0 : dropout.doubleValue(), modules);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads the adapter in {@code dir} for a base model with hyperparameters {@code model}: every expected A and B
     * must be present with its shape; a tensor the config does not explain is an error too.
     */
    public static LoraWeights load(Path dir, ModelConfig model) {
        LoraConfig config = readConfig(dir);
        Path file = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) throw new UserInputException(dir + ": " + WEIGHTS_FILE + " is missing");
        Map<String, Tensor> found = Safetensors.read(file);
        Map<String, int[]> expected = LoraWeights.shapes(config, model);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            Tensor t = found.get(e.getKey());
            if (t == null) {
                throw new UserInputException(file + ": tensor '" + e.getKey() + "' is missing; expected shape " + Arrays.toString(e.getValue())
                        + " (r " + config.r() + ", targets " + config.targetModules() + ", " + model.numLayers() + " layers)");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new UserInputException(file + ": tensor '" + e.getKey() + "' has shape " + t.shapeString() + ", expected "
                        + Arrays.toString(e.getValue()) + " (is this adapter for another base model?)");
            }
            tensors.put(e.getKey(), t);
        }
        for (String name : found.keySet()) {
            if (!expected.containsKey(name)) {
                throw new UserInputException(file + ": unexpected tensor '" + name + "'; " + CONFIG_FILE + " targets " + config.targetModules()
                        + " in " + model.numLayers() + " layers");
            }
        }
        return new LoraWeights(config, model, tensors);
    }

    private static void expectText(JsonNode root, String key, String expected, Path file) {
        JsonNode v = root.get(key);
        if (v == null || !v.isTextual() || !v.asText().equals(expected)) {
            throw new UserInputException(file + ": key '" + key + "' must be \"" + expected + "\", found " + v);
        }
    }
}
