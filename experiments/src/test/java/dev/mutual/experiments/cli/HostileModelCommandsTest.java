package dev.mutual.experiments.cli;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model folder is untrusted input: a config.json that would give NaN (rope_theta 0, rms_norm_eps -1) or that sizes
 * the KV cache past an int stops {@code generate} with one line and exit 2, naming the key or flag. Before, the first
 * two printed nothing with exit 0 and the last overflowed an int inside the cache.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileModelCommandsTest {
    /** The stories260K folder of the shared data (skipped with a reason where it is absent). */
    private static Path stories() {
        return assumeShared("models/stories260K");
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path hf;

    @BeforeEach
    void convert() {
        hf = dir.resolve("stories-hf");
        CliRun conv = CliRun.of("convert", "--llama2c", stories().resolve("stories260K.bin").toString(), "--tokenizer",
                stories().resolve("tok512.bin").toString(), "--output", hf.toString());
        assertEquals(0, conv.code(), conv.err());
    }

    private void editConfig(Consumer<ObjectNode> edit) throws IOException {
        Path config = hf.resolve("config.json");
        ObjectNode root = (ObjectNode) JSON.readTree(config.toFile());
        edit.accept(root);
        Files.writeString(config, JSON.writeValueAsString(root));
    }

    private static void oneLineExit2(CliRun run, String expected) {
        assertEquals(2, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertEquals("", run.out());
    }

    @Test
    void ropeThetaZeroAndNegativeEpsStopGenerateNamingTheKey() throws IOException {
        editConfig(c -> c.put("rope_theta", 0));
        oneLineExit2(CliRun.of("generate", "--model", hf.toString(), "--prompt", "Once", "--max-new-tokens", "5"),
                "config.json: rope_theta must be a finite number > 0 (e.g. 10000), found 0.0");
        editConfig(c -> c.put("rope_theta", 10000.0).put("rms_norm_eps", -1));
        Path in = dir.resolve("pairs.jsonl"), out = dir.resolve("scores.jsonl");
        Files.writeString(in, "{\"prompt\": \"Once\", \"target\": \" upon a time\"}\n");
        oneLineExit2(CliRun.of("score", "--model", hf.toString(), "--input", in.toString(), "--output", out.toString()),
                "config.json: rms_norm_eps must be a finite number > 0 (e.g. 1e-6), found -1.0");
        assertFalse(Files.exists(out));
    }

    @Test
    void aBillionNewTokensWithAHugeContextIsOneLine() throws IOException {
        editConfig(c -> c.put("max_position_embeddings", Integer.MAX_VALUE));
        CliRun run = CliRun.of("generate", "--model", hf.toString(), "--prompt", "Once", "--max-new-tokens", "1000000000");
        oneLineExit2(run, "max new tokens 1000000000: prompt 0 (");
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void aModelThatComputesNanStopsScoreWithoutWritingAFinishedLookingFile() throws IOException {
        DecoderWeights w = HfCheckpoint.load(hf).weights();
        w.norm()[3] = Float.NaN;
        Path nan = dir.resolve("nan-model");
        HfCheckpoint.save(nan, w, HfCheckpoint.tokenizerFilesIn(hf));
        Path in = dir.resolve("pairs.jsonl"), out = dir.resolve("scores.jsonl");
        Files.writeString(in, "{\"prompt\": \"Once\", \"target\": \" upon\"}\n\n{\"prompt\": \"One day\", \"target\": \" she\"}\n");
        CliRun run = CliRun.of("score", "--model", nan.toString(), "--input", in.toString(), "--output", out.toString());
        oneLineExit2(run, "--model " + nan + ": " + in + " line 1, request 0: log p of target token 0 (id ");
        assertTrue(run.err().contains(") is NaN; the model computes non-finite values (NaN or infinite weights, or activations beyond fp32),"
                + " so no score can be trusted; nothing written to " + out), run.err());
        assertFalse(Files.exists(out));
        oneLineExit2(CliRun.of("generate", "--model", nan.toString(), "--prompt", "Once", "--max-new-tokens", "5"),
                "prompt 0, new token 0: the logit of token 0 is NaN");
    }

    /** Issue #13: three nested range(1000) loops ran ~60 s into 1.2 GB; now a bound stops them at once. */
    @Test
    void aRunawayChatTemplateStopsAtItsBoundNamingTheFile() throws IOException {
        // A random tiny Mistral with the real Mistral tokenizer (32768 ids) and a hostile tokenizer_config.json.
        var config = new dev.mutual.trainer.model.ModelConfig("mistral", 16, 32, 1, 2, 1, 8, 32768, 64, 1e-5, 10000.0,
                null, false, false, 4, 1, 2);
        Path model = dir.resolve("mistral-random");
        HfCheckpoint.save(model, BenchScoreCommand.randomWeights(config, 3), java.util.List.of());
        try (var in = new java.util.zip.GZIPInputStream(
                Files.newInputStream(Path.of("../data/src/test/resources/tokenizers/mistral/tokenizer.json.gz")))) {
            Files.copy(in, model.resolve("tokenizer.json"));
        }
        Path tokenizerConfig = model.resolve("tokenizer_config.json");
        ObjectNode root = JSON.createObjectNode().put("bos_token", "<s>").put("eos_token", "</s>");
        root.put("chat_template", "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                + "{{ messages[0]['content'] }}{% endfor %}{% endfor %}{% endfor %}");
        Files.writeString(tokenizerConfig, JSON.writeValueAsString(root));
        long start = System.nanoTime();
        oneLineExit2(CliRun.of("generate", "--model", model.toString(), "--chat", "--prompt", "Once", "--max-new-tokens", "5"),
                tokenizerConfig.toAbsolutePath() + ": chat_template: rendering 1 messages failed: the template exceeds the"
                        + " render bound of 50000 steps (variable lookups and calls; a macro that recurses or loops nested"
                        + " around the whole template)");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 30, seconds + " s (it ran ~60 s before the bound)");
        // A template that renders nothing is blamed on the template, not on the prompt.
        root.put("chat_template", "{% if false %}{{ messages }}{% endif %}");
        Files.writeString(tokenizerConfig, JSON.writeValueAsString(root));
        oneLineExit2(CliRun.of("generate", "--model", model.toString(), "--chat", "--prompt", "Once", "--max-new-tokens", "5"),
                "chat template jinja chat_template of " + tokenizerConfig.toAbsolutePath()
                        + " (39 chars) renders 1 message as empty text");
    }
}
