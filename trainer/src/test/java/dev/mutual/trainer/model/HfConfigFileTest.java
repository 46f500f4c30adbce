package dev.mutual.trainer.model;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json parsing: real published configs (values copied from the HF hub files) and the errors. */
class HfConfigFileTest {
    @TempDir
    Path dir;

    // meta-llama/Llama-3.2-1B config.json (transformers 4.45 layout)
    static final String LLAMA_3_2_1B = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048,
             "initializer_range": 0.02, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
             "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
             "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
             "vocab_size": 128256}""";

    // Qwen/Qwen2-0.5B config.json
    static final String QWEN2_0_5B = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
             "intermediate_size": 4864, "max_position_embeddings": 131072, "max_window_layers": 24, "model_type": "qwen2",
             "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
             "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
             "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}""";

    // mistralai/Mistral-7B-v0.1 config.json
    static final String MISTRAL_7B = """
            {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
             "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 32768,
             "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
             "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false,
             "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 32000}""";

    // What transformers 5.18 writes for a small LlamaConfig: rope_theta moved into rope_parameters.
    static final String LLAMA_TF5 = """
            {"attention_bias": false, "bos_token_id": 1, "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu",
             "hidden_size": 64, "intermediate_size": 128, "max_position_embeddings": 2048, "mlp_bias": false,
             "model_type": "llama", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-06, "rope_parameters": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
             "original_max_position_embeddings": 64, "rope_theta": 20000.0, "rope_type": "llama3"},
             "tie_word_embeddings": false, "vocab_size": 100}""";

    private Path write(String json) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void readsLlama3WithRopeScalingAndTiedEmbeddings() throws IOException {
        ModelConfig c = ModelConfig.fromHfConfig(write(LLAMA_3_2_1B));
        assertEquals(new ModelConfig("llama", 2048, 8192, 16, 32, 8, 64, 128256, 131072, 1e-5, 500000.0,
                new ModelConfig.RopeScaling(32.0, 1.0, 4.0, 8192), true, false, 0, 128000, 128001), c);
        assertEquals(4, c.groupSize());
    }

    @Test
    void readsQwen2WithBiasAndWithoutItsDisabledSlidingWindow() throws IOException {
        ModelConfig c = HfConfigFile.read(write(QWEN2_0_5B));
        assertEquals(new ModelConfig("qwen2", 896, 4864, 24, 14, 2, 64, 151936, 131072, 1e-6, 1_000_000.0,
                null, true, true, 0, 151643, 151643), c);
    }

    @Test
    void readsMistralSlidingWindow() throws IOException {
        ModelConfig c = HfConfigFile.read(write(MISTRAL_7B));
        assertEquals(4096, c.slidingWindow());
        assertEquals(128, c.headDim());
        assertEquals(false, c.attentionBias());
        assertNull(c.ropeScaling());
    }

    @Test
    void readsTransformers5RopeParameters() throws IOException {
        ModelConfig c = HfConfigFile.read(write(LLAMA_TF5));
        assertEquals(20000.0, c.ropeTheta());
        assertEquals(new ModelConfig.RopeScaling(8.0, 1.0, 4.0, 64), c.ropeScaling());
    }

    @Test
    void writesWhatItReadsBack() throws IOException {
        for (String json : new String[] {LLAMA_3_2_1B, QWEN2_0_5B, MISTRAL_7B, LLAMA_TF5}) {
            ModelConfig c = HfConfigFile.read(write(json));
            Path out = dir.resolve("out").resolve("config.json");
            HfConfigFile.write(c, out);
            assertEquals(c, HfConfigFile.read(out));
            assertTrue(Files.readString(out).contains("\"architectures\""));
        }
    }

    private String error(String json) throws IOException {
        Path f = write(json);
        return assertThrows(UserInputException.class, () -> HfConfigFile.read(f)).getMessage();
    }

    @Test
    void rejectsWhatItDoesNotImplementByKey() throws IOException {
        String m = error(LLAMA_3_2_1B.replace("\"llama3\"", "\"yarn\""));
        assertTrue(m.contains("config.json") && m.contains("rope_scaling.rope_type") && m.contains("yarn"), m);
        m = error(MISTRAL_7B.replace("\"rope_theta\": 10000.0,", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0},"));
        assertTrue(m.contains("'linear'"), m);
        m = error(MISTRAL_7B.replace("\"silu\"", "\"gelu\""));
        assertTrue(m.contains("hidden_act") && m.contains("gelu"), m);
        m = error(MISTRAL_7B.replace("\"mistral\"", "\"gpt2\""));
        assertTrue(m.contains("model_type") && m.contains("gpt2"), m);
        m = error(QWEN2_0_5B.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"));
        assertTrue(m.contains("use_sliding_window"), m);
        m = error(LLAMA_3_2_1B.replace("\"attention_bias\": false", "\"attention_bias\": true"));
        assertTrue(m.contains("attention_bias"), m);
        m = error(LLAMA_3_2_1B.replace("\"mlp_bias\": false", "\"mlp_bias\": true"));
        assertTrue(m.contains("mlp_bias"), m);
    }

    @Test
    void rejectsMissingAndMistypedKeys() throws IOException {
        String m = error(MISTRAL_7B.replace("\"hidden_size\": 4096,", ""));
        assertTrue(m.contains("'hidden_size' is missing"), m);
        m = error(MISTRAL_7B.replace("\"num_hidden_layers\": 32", "\"num_hidden_layers\": \"32\""));
        assertTrue(m.contains("'num_hidden_layers' must be an integer, found \"32\""), m);
        m = error(MISTRAL_7B.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5"));
        assertTrue(m.contains("num_key_value_heads"), m);
        m = error("[1, 2]");
        assertTrue(m.contains("expected a JSON object"), m);
        m = error("{\"model_type\": ");
        assertTrue(m.contains("not readable as JSON"), m);
    }
}
