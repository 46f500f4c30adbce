package dev.mutual.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.lora.LoraMerge;
import dev.mutual.trainer.model.DecoderWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mutual merge} on the tiny LLaMA parity model and the adapter PEFT saved for it (trainer test resources). */
class MergeCommandTest {
    static final Path BASE = Path.of("../trainer/src/test/resources/parity/llama");
    static final Path ADAPTER = Path.of("../trainer/src/test/resources/lora/llama-adapter");

    @Test
    void writesTheMergedModelAsAnHfDirectory(@TempDir Path dir) {
        Path out = dir.resolve("merged");
        CliRun run = CliRun.of("merge", "--base", BASE.toString(), "--adapter", ADAPTER.toString(), "--output", out.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(Files.isRegularFile(out.resolve("config.json")) && Files.isRegularFile(out.resolve("model.safetensors")));

        DecoderWeights base = HfCheckpoint.load(BASE).weights();
        Map<String, Tensor> expected = LoraMerge.merge(base, LoraAdapterFile.load(ADAPTER, base.config())).toHfTensors();
        Map<String, Tensor> written = HfCheckpoint.load(out).weights().toHfTensors();
        assertEquals(expected.keySet(), written.keySet());
        for (String name : expected.keySet()) assertArrayEquals(expected.get(name).values(), written.get(name).values(), name);
        // the adapter changed q_proj, the norms stay the base's
        assertFalse(java.util.Arrays.equals(base.layers().get(0).qProj(), written.get("model.layers.0.self_attn.q_proj.weight").values()));
        assertArrayEquals(base.norm(), written.get("model.norm.weight").values());
    }

    @Test
    void writesShardsWithMaxShardSize(@TempDir Path dir) throws java.io.IOException {
        Path out = dir.resolve("merged");
        CliRun run = CliRun.of("merge", "--base", BASE.toString(), "--adapter", ADAPTER.toString(), "--output", out.toString(),
                "--max-shard-size", "10KB");
        assertEquals(0, run.code(), run.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors.index.json")));
        try (var files = Files.list(out)) {
            long shards = files.filter(f -> f.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
            assertTrue(shards > 1, "shards: " + shards);
        }
        assertFalse(Files.exists(out.resolve("model.safetensors")));
        DecoderWeights base = HfCheckpoint.load(BASE).weights();
        Map<String, Tensor> expected = LoraMerge.merge(base, LoraAdapterFile.load(ADAPTER, base.config())).toHfTensors();
        Map<String, Tensor> written = HfCheckpoint.load(out).weights().toHfTensors();
        for (String name : expected.keySet()) assertArrayEquals(expected.get(name).values(), written.get(name).values(), name);
    }

    @Test
    void aDirectoryWithoutAdapterIsBadInput(@TempDir Path dir) {
        CliRun run = CliRun.of("merge", "--base", BASE.toString(), "--adapter", BASE.toString(), "--output", dir.resolve("m").toString());
        assertEquals(MutualCli.EXIT_BAD_INPUT, run.code());
        assertTrue(run.err().contains("adapter_config.json is missing"), run.err());
        assertFalse(Files.exists(dir.resolve("m")));

        run = CliRun.of("merge", "--base", BASE.toString(), "--adapter", ADAPTER.toString(), "--output", BASE.toString());
        assertEquals(MutualCli.EXIT_BAD_INPUT, run.code());
        assertTrue(run.err().contains("is the --base directory"), run.err());
    }
}
