package dev.mutual.trainer.fuzz;

import dev.mutual.testing.fuzz.Fuzzer;
import dev.mutual.testing.fuzz.Seed;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.checkpoint.Safetensors;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.model.HfConfigFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the model files a user hands over (see {@link Fuzzer} for the rules and how to replay a case): safetensors
 * files (header JSON, its length field, the data), a sharded model's index, config.json loaded with real weights
 * (HfCheckpoint), a llama.c checkpoint (header counts against the file length) and a PEFT LoRA adapter.
 */
class CheckpointFuzzTest {
    private static final Path RESOURCES = Path.of("src/test/resources");
    private static final Path PARITY = RESOURCES.resolve("parity");
    private static final Path ADAPTER = RESOURCES.resolve("lora/llama-adapter");

    @Test
    void safetensorsFailCleanOnMutatedFiles() {
        List<Seed> seeds = List.of(Seed.of(RESOURCES.resolve("safetensors/mixed.safetensors"), Seed.Kind.SAFETENSORS),
                Seed.of(ADAPTER.resolve("adapter_model.safetensors"), Seed.Kind.SAFETENSORS),
                Seed.of(PARITY.resolve("qwen2/model.safetensors"), Seed.Kind.SAFETENSORS));
        Fuzzer.Report report = Fuzzer.run("safetensors", seeds, 3000, (c, dir) -> Safetensors.read(c.write(dir)));
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    @Test
    void shardedSafetensorsIndexFailsCleanWhenMutated() {
        Path sharded = RESOURCES.resolve("safetensors/sharded");
        Fuzzer.Report report = Fuzzer.run("safetensors-index", List.of(Seed.of(sharded.resolve(Safetensors.INDEX_FILE), Seed.Kind.JSON)), 2000,
                (c, dir) -> {
                    for (String shard : new String[] {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
                        Files.copy(sharded.resolve(shard), dir.resolve(shard));
                    }
                    c.write(dir);
                    Safetensors.readModel(dir);
                });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** config.json mutated beside the real weights it describes: its sizes are checked against them and the heap. */
    @Test
    void hfModelConfigFailsCleanWhenMutated() {
        List<Seed> seeds = List.of(Seed.of(PARITY.resolve("llama/config.json"), Seed.Kind.JSON).withName("llama"),
                Seed.of(PARITY.resolve("llama3/config.json"), Seed.Kind.JSON).withName("llama3"),
                Seed.of(PARITY.resolve("qwen2/config.json"), Seed.Kind.JSON).withName("qwen2"),
                Seed.of(PARITY.resolve("mistral/config.json"), Seed.Kind.JSON).withName("mistral"));
        Fuzzer.Report report = Fuzzer.run("hf-config", seeds, 1500, (c, dir) -> {
            Path config = c.write(dir, "config.json");
            if (c.random().nextInt(3) == 0) {
                HfConfigFile.read(config);
            } else {
                Files.copy(PARITY.resolve(c.origin().name()).resolve("model.safetensors"), dir.resolve("model.safetensors"));
                HfCheckpoint.load(dir);
            }
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    @Test
    void llama2cCheckpointFailsCleanOnMutatedFiles() {
        Path samples = Path.of("../samples");
        Fuzzer.Report report = Fuzzer.run("llama2c-checkpoint", List.of(Seed.of(samples.resolve("stories260K.bin"), Seed.Kind.BINARY)), 2000,
                (c, dir) -> Llama2cCheckpoint.read(c.write(dir)));
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** adapter_config.json or adapter_model.safetensors mutated, loaded against the base model it was trained on. */
    @Test
    void loraAdapterFailsCleanWhenMutated() {
        var base = HfConfigFile.read(PARITY.resolve("llama/config.json"));
        List<Seed> seeds = List.of(Seed.of(ADAPTER.resolve(LoraAdapterFile.CONFIG_FILE), Seed.Kind.JSON),
                Seed.of(ADAPTER.resolve(LoraAdapterFile.WEIGHTS_FILE), Seed.Kind.SAFETENSORS));
        Fuzzer.Report report = Fuzzer.run("lora-adapter", seeds, 1500, (c, dir) -> {
            for (String name : new String[] {LoraAdapterFile.CONFIG_FILE, LoraAdapterFile.WEIGHTS_FILE}) {
                if (!name.equals(c.origin().name())) Files.copy(ADAPTER.resolve(name), dir.resolve(name));
            }
            c.write(dir);
            LoraAdapterFile.readConfig(dir);
            LoraAdapterFile.load(dir, base);
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }
}
