package dev.mutual.trainer.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Safetensors;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PEFT adapter layout: config validation, PEFT-style init, save/load round trip, reading PEFT's own files. */
class LoraAdapterFileTest {
    static final Path BASE = Path.of("src/test/resources/parity/llama");
    static final Path PEFT_ADAPTER = Path.of("src/test/resources/lora/llama-adapter");

    static ModelConfig model() {
        return HfCheckpoint.load(BASE).config();
    }

    /** An adapter with every A and B drawn from N(0, 0.1): nonzero B, unlike a fresh one. */
    static LoraWeights random(LoraConfig config, ModelConfig model, long seed) {
        Random rng = new Random(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        LoraWeights.shapes(config, model).forEach((name, shape) -> {
            float[] v = new float[shape[0] * shape[1]];
            for (int i = 0; i < v.length; i++) v[i] = (float) (0.1 * rng.nextGaussian());
            t.put(name, new Tensor(shape, v));
        });
        return new LoraWeights(config, model, t);
    }

    @Test
    void configRejectsBadValuesByName() {
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(0, 16, 0, List.of("q_proj")));
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 0, 0, List.of("q_proj")));
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 16, 1.0, List.of("q_proj")));
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 16, 0, List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 16, 0, List.of("qkv_proj")));
        assertTrue(e.getMessage().contains("'qkv_proj'") && e.getMessage().contains("gate_proj"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 16, 0, List.of("q_proj", "q_proj")));
        LoraConfig c = new LoraConfig(8, 16, 0.05, List.of("down_proj", "q_proj"));
        assertEquals(2.0, c.scale());
        assertEquals(List.of(LoraModule.Q_PROJ, LoraModule.DOWN_PROJ), c.modules());
    }

    @Test
    void initIsPeftsKaimingUniformForAAndZeroForB() {
        ModelConfig m = model(); // hidden 32, 4 heads x 8, 2 KV heads, intermediate 64, 2 layers
        LoraConfig c = LoraConfig.allLinear(4, 8, 0.05);
        LoraWeights w = LoraWeights.init(c, m, 7);
        // 2 layers x (A: 4 x (32*5 + 32 + 64) + B: (32 + 16 + 16 + 32 + 64 + 64 + 32) x 4)
        assertEquals(2L * (4 * (32 * 5 + 32 + 64) + (32 + 16 + 16 + 32 + 64 + 64 + 32) * 4), w.parameterCount());
        assertArrayEquals(new int[] {4, 64}, w.tensors().get("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape());
        assertArrayEquals(new int[] {16, 4}, w.tensors().get("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight").shape());
        for (int l = 0; l < 2; l++) {
            for (LoraModule mod : c.modules()) {
                // kaiming_uniform_(a=sqrt(5)): bound = sqrt(6 / (1 + 5)) / sqrt(fan_in) = 1 / sqrt(in)
                double bound = 1 / Math.sqrt(mod.inFeatures(m));
                double max = 0;
                for (float a : w.a(l, mod)) max = Math.max(max, Math.abs(a));
                assertTrue(max <= bound && max > 0.8 * bound, mod + " max |A| " + max + " vs bound " + bound);
                for (float b : w.b(l, mod)) assertEquals(0f, b);
            }
        }
        assertArrayEquals(w.a(1, LoraModule.UP_PROJ), LoraWeights.init(c, m, 7).a(1, LoraModule.UP_PROJ));
        assertFalse(java.util.Arrays.equals(w.a(1, LoraModule.UP_PROJ), LoraWeights.init(c, m, 8).a(1, LoraModule.UP_PROJ)));
    }

    @Test
    void saveThenLoadGivesTheSameAdapterInPeftLayout(@TempDir Path dir) throws IOException {
        ModelConfig m = model();
        LoraConfig c = new LoraConfig(3, 5, 0.1, List.of("v_proj", "q_proj", "down_proj"));
        LoraWeights w = random(c, m, 11);
        Path out = dir.resolve("adapter");
        LoraAdapterFile.save(out, w, "parity/llama");

        JsonNode json = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
        assertEquals("LORA", json.get("peft_type").asText());
        assertEquals("CAUSAL_LM", json.get("task_type").asText());
        assertEquals(3, json.get("r").asInt());
        assertEquals(5.0, json.get("lora_alpha").asDouble());
        assertEquals(0.1, json.get("lora_dropout").asDouble());
        assertEquals("none", json.get("bias").asText());
        assertFalse(json.get("fan_in_fan_out").asBoolean(true));
        assertEquals("parity/llama", json.get("base_model_name_or_path").asText());
        assertEquals("[\"v_proj\",\"q_proj\",\"down_proj\"]", json.get("target_modules").toString());
        Map<String, Tensor> raw = Safetensors.read(out.resolve("adapter_model.safetensors"));
        assertEquals(2 * 3 * 2, raw.size());
        assertTrue(raw.containsKey("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
        try (var files = Files.list(out)) {
            assertEquals(2, files.count(), "no temp files left behind");
        }

        LoraWeights back = LoraAdapterFile.load(out, m);
        assertEquals(c, back.config());
        assertEquals(w.tensors().keySet(), back.tensors().keySet());
        for (String name : w.tensors().keySet()) {
            assertArrayEquals(w.tensors().get(name).shape(), back.tensors().get(name).shape(), name);
            assertArrayEquals(w.tensors().get(name).values(), back.tensors().get(name).values(), name);
        }
    }

    @Test
    void readsAnAdapterPeftSaved() {
        LoraWeights w = LoraAdapterFile.load(PEFT_ADAPTER, model());
        assertEquals(4, w.config().r());
        assertEquals(6.0, w.config().alpha());
        assertEquals(0.1, w.config().dropout());
        assertEquals(java.util.Set.copyOf(LoraModule.hfNames()), java.util.Set.copyOf(w.config().targetModules()));
        assertEquals(1.5, w.config().scale());
        assertEquals(2 * 7 * 2, w.tensors().size());
    }

    @Test
    void badAdaptersAreUserErrorsNamingFileAndKey(@TempDir Path dir) throws IOException {
        ModelConfig m = model();
        LoraConfig c = new LoraConfig(2, 4, 0, List.of("q_proj", "v_proj"));
        Path out = dir.resolve("a");
        LoraAdapterFile.save(out, random(c, m, 3), "base");

        Path config = out.resolve("adapter_config.json");
        String original = Files.readString(config);
        edit(config, original, "use_rslora", "true");
        UserInputException e = assertThrows(UserInputException.class, () -> LoraAdapterFile.load(out, m));
        assertTrue(e.getMessage().contains("adapter_config.json") && e.getMessage().contains("'use_rslora'"), e.getMessage());
        edit(config, original, "r", "3");
        e = assertThrows(UserInputException.class, () -> LoraAdapterFile.load(out, m));
        assertTrue(e.getMessage().contains("adapter_model.safetensors") && e.getMessage().contains("layers.0.self_attn.q_proj.lora_A.weight")
                && e.getMessage().contains("[2, 32]") && e.getMessage().contains("[3, 32]"), e.getMessage());
        edit(config, original, "target_modules", "[\"q_proj\", \"v_proj\", \"up_proj\"]");
        e = assertThrows(UserInputException.class, () -> LoraAdapterFile.load(out, m));
        assertTrue(e.getMessage().contains("'base_model.model.model.layers.0.mlp.up_proj.lora_A.weight' is missing"), e.getMessage());
        edit(config, original, "target_modules", "[\"q_proj\"]");
        e = assertThrows(UserInputException.class, () -> LoraAdapterFile.load(out, m));
        assertTrue(e.getMessage().contains("unexpected tensor 'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight'"), e.getMessage());
        edit(config, original, "target_modules", "[\"q_proj\", \"w_proj\"]");
        e = assertThrows(UserInputException.class, () -> LoraAdapterFile.load(out, m));
        assertTrue(e.getMessage().contains("adapter_config.json") && e.getMessage().contains("'w_proj'"), e.getMessage());
        edit(config, original, "peft_type", "\"IA3\"");
        e = assertThrows(UserInputException.class, () -> LoraAdapterFile.load(out, m));
        assertTrue(e.getMessage().contains("'peft_type'") && e.getMessage().contains("IA3"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> LoraAdapterFile.load(dir.resolve("nothing"), m));
        assertTrue(e.getMessage().contains("adapter_config.json is missing"), e.getMessage());
    }

    /** Rewrites {@code original} with one key set to the JSON {@code value}. */
    private static void edit(Path config, String original, String key, String value) throws IOException {
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(original);
        root.set(key, json.readTree(value));
        Files.writeString(config, json.writeValueAsString(root));
    }
}
