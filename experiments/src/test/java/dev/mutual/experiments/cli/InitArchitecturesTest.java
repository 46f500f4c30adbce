package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.ModelConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code init.architecture}: a random LLaMA-, Mistral- or Qwen2-style model pretrains on text, and the saved
 * checkpoint carries that family's switches (what the base models of experiments/ are built with).
 */
class InitArchitecturesTest {

    @TempDir
    Path tmp;

    private CliRun pretrain(String architecture) throws IOException {
        Path data = Files.writeString(tmp.resolve("text.txt"), String.join("\n\n", Files.readAllLines(PretrainRecipeTest.SEED)));
        Path recipe = Files.writeString(tmp.resolve(architecture + ".yaml"), """
                name: %s
                seed: 5
                objective: pretrain
                data: %s
                tokenizer: %s
                init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64, architecture: %s, sliding_window: 16}
                seq_len: 64
                micro_batch: 2
                steps: 3
                lr: 0.01
                """.formatted(architecture, data, PretrainRecipeTest.TOKENIZER, architecture));
        return CliRun.of("train", "--recipe", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
    }

    private Path trainDir(String architecture) throws IOException {
        try (Stream<Path> d = Files.list(tmp.resolve("runs").resolve(architecture))) {
            return d.findFirst().orElseThrow().resolve("train");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2"})
    void eachArchitectureTrainsAndSavesItsSwitches(String architecture) throws IOException {
        CliRun run = pretrain(architecture);
        assertEquals(0, run.code(), run.err());
        ModelConfig c = HfCheckpoint.load(trainDir(architecture).resolve("model")).weights().config();
        assertEquals(architecture, c.modelType());
        assertEquals(architecture.equals("mistral") ? 16 : 0, c.slidingWindow());
        assertEquals(architecture.equals("qwen2"), c.attentionBias());
        assertEquals(architecture.equals("qwen2"), c.tieWordEmbeddings());
        assertEquals(architecture.equals("qwen2") ? 1e6 : 1e4, c.ropeTheta());
        for (String line : Files.readAllLines(trainDir(architecture).resolve("metrics.jsonl"))) {
            JsonNode m = new ObjectMapper().readTree(line);
            assertTrue(Double.isFinite(m.get("loss").doubleValue()), line);
        }
    }

    @Test
    void anUnknownArchitectureIsRefusedNamingTheKey() throws IOException {
        CliRun run = pretrain("mistrel");
        assertNotEquals(0, run.code());
        assertTrue(run.err().contains("architecture: expected one of [llama, mistral, qwen2], found 'mistrel'"), run.err());
        assertTrue(run.err().contains("mistral"), run.err());
    }
}
