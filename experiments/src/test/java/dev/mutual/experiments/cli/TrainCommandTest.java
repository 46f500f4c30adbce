package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.HfTokenizer;
import dev.mutual.data.tokenizer.Llama2cTokenizer;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mutual train --recipe}: the shipped tiny recipe, shortened by overrides, end to end. */
class TrainCommandTest {

    static final Path TRAIN_TINY = Path.of("../recipes/train_tiny.yaml");

    @TempDir
    Path tmp;

    @Test
    void trainTinyWritesMetricsPlotAndModelAndIsCachedTheSecondTime() throws IOException {
        String runs = "paths.runs=" + tmp.resolve("runs");
        CliRun first = CliRun.of("train", "--recipe", TRAIN_TINY.toString(), "steps=3", "warmup_steps=1", runs);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("  train: ran {examples=200, truncated="), first.out());
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/train_tiny"))) {
            dir = d.findFirst().orElseThrow().resolve("train");
        }
        assertTrue(first.out().contains("model: " + dir.resolve("model") + "\n"), first.out());
        assertTrue(first.out().contains("plot: " + dir.resolve("training.png") + "\n"), first.out());

        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(3, lines.size());
        for (String l : lines) {
            JsonNode line = json.readTree(l);
            for (String key : List.of("loss", "lr", "grad_norm", "tokens_per_s", "mfu", "rss_mb")) {
                assertTrue(line.get(key).isNumber(), key + " in " + l);
            }
            double mfu = line.get("mfu").doubleValue();
            assertTrue(mfu > 0 && mfu < 1, "a fraction of the measured sgemm peak: " + l);
            assertTrue(line.get("tokens_per_s").doubleValue() > 0, l);
        }
        // 1 warmup step of 3: lr 0, then the peak (cosine), as the recipe says.
        assertEquals(0.0, json.readTree(lines.get(0)).get("lr").doubleValue());
        assertEquals(3e-3, json.readTree(lines.get(1)).get("lr").doubleValue(), 1e-12);

        BufferedImage png = ImageIO.read(dir.resolve("training.png").toFile());
        assertNotNull(png, "training.png is a PNG");
        assertEquals(900, png.getWidth());
        assertEquals(64, HfCheckpoint.load(dir.resolve("model")).config().hiddenSize());
        assertTrue(Files.isRegularFile(dir.resolve("model/tok512.bin")));
        // beside it the equivalent tokenizer.json, for transformers' AutoTokenizer (Llama2cHfExportTest checks the ids)
        try (var hf = HfTokenizer.load(dir.resolve("model"));
             var bin = Llama2cTokenizer.load(dir.resolve("model/tok512.bin"))) {
            assertArrayEquals(bin.encode("Once upon a time, Lily saw a dog.", true), hf.encode("Once upon a time, Lily saw a dog.", true));
            assertEquals("<s>", hf.config().bosToken());
            assertEquals("</s>", hf.config().eosToken());
            // the recipe's built-in format is the saved chat_template: "model" then renders what training rendered
            var chat = List.of(ChatMessage.user("Name a colour."), ChatMessage.assistant("Blue."));
            assertEquals(ChatTemplate.forTokenizer("alpaca", bin).render(chat, false),
                    ChatTemplate.forTokenizer("model", hf).render(chat, false));
        }
        // The run directory's resolved recipe is the full form, which 'mutual run' accepts.
        String resolved = Files.readString(dir.resolveSibling("recipe.resolved.yaml"));
        assertTrue(resolved.contains("stages:\n  train:\n    type: train\n"), resolved);

        CliRun again = CliRun.of("train", "--recipe", TRAIN_TINY.toString(), "steps=3", "warmup_steps=1", runs);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("  train: cached "), again.out());
    }

    /**
     * A tokenizer folder holding tokenizer.json.gz (as the test fixtures do): the model is saved with a plain
     * tokenizer.json, so score and generate find it, and the .gz counts in the cache key, so another vocabulary trains
     * again instead of reusing the model.
     */
    @Test
    void aGzTokenizerFolderIsSavedAsTokenizerJsonAndCountsInTheCacheKey() throws IOException {
        Path tok = tmp.resolve("mistral-tokenizer");
        Files.createDirectories(tok);
        Path fixture = Path.of("../data/src/test/resources/tokenizers/mistral");
        Files.copy(fixture.resolve("tokenizer.json.gz"), tok.resolve("tokenizer.json.gz"));
        Files.copy(fixture.resolve("tokenizer_config.json"), tok.resolve("tokenizer_config.json"));
        String runs = "paths.runs=" + tmp.resolve("runs");
        String[] args = {"train", "--recipe", TRAIN_TINY.toString(), "steps=2", "warmup_steps=1", "micro_batch=2",
                "tokenizer=" + tok, runs};
        CliRun first = CliRun.of(args);
        assertEquals(0, first.code(), first.err());
        Path model = Path.of(between(first.out(), "model: ", "\n"));
        assertTrue(Files.isRegularFile(model.resolve("tokenizer.json")), "plain tokenizer.json in " + model);
        assertTrue(Files.isRegularFile(model.resolve("tokenizer_config.json")));
        assertFalse(Files.exists(model.resolve("tokenizer.json.gz")));
        try (var saved = HfTokenizer.load(model); var original = HfTokenizer.load(tok)) {
            assertEquals(original.vocabSize(), saved.vocabSize());
            assertArrayEquals(original.encode("Hello world, how are you?"), saved.encode("Hello world, how are you?"));
        }

        Path pairs = tmp.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\": \"Why is the sky blue?\", \"target\": \" Because of scattering.\"}\n");
        CliRun score = CliRun.of("score", "--model", model.toString(), "--input", pairs.toString(),
                "--output", tmp.resolve("scores.jsonl").toString());
        assertEquals(0, score.code(), score.err());
        assertTrue(Files.readString(tmp.resolve("scores.jsonl")).contains("logprob"));
        CliRun generate = CliRun.of("generate", "--model", model.toString(), "--prompt", "Hello", "--max-new-tokens", "3");
        assertEquals(0, generate.code(), generate.err());

        CliRun cached = CliRun.of(args);
        assertTrue(cached.out().contains("  train: cached "), cached.out());
        // Another vocabulary of the same size: two entries trade ids. The stage must train again.
        ObjectMapper json = new ObjectMapper();
        JsonNode tokenizer;
        try (var in = new GZIPInputStream(Files.newInputStream(tok.resolve("tokenizer.json.gz")))) {
            tokenizer = json.readTree(in);
        }
        ObjectNode vocab = (ObjectNode) tokenizer.get("model").get("vocab");
        int hello = vocab.get("▁Hello").asInt();
        int world = vocab.get("▁world").asInt();
        vocab.put("▁Hello", world);
        vocab.put("▁world", hello);
        try (var out = new GZIPOutputStream(Files.newOutputStream(tok.resolve("tokenizer.json.gz")))) {
            json.writeValue(out, tokenizer);
        }
        CliRun swapped = CliRun.of(args);
        assertEquals(0, swapped.code(), swapped.err());
        assertTrue(swapped.out().contains("  train: ran "), swapped.out());
        Path retrained = Path.of(between(swapped.out(), "model: ", "\n"));
        try (var saved = HfTokenizer.load(retrained)) {
            assertEquals(world, saved.encode("Hello", false)[0]);
        }
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        assertTrue(from >= 0, "no '" + start + "' in " + text);
        from += start.length();
        return text.substring(from, text.indexOf(end, from));
    }

    @Test
    void badTrainingRecipesExitTwoNamingTheKey() throws IOException {
        CliRun typo = CliRun.of("train", "--recipe", TRAIN_TINY.toString(), "stpes=3");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("override 'stpes=3': unknown key 'stpes'; did you mean 'steps'?"), typo.err());

        CliRun full = CliRun.of("train", "--recipe", "../recipes/quickstart.yaml");
        assertEquals(2, full.code());
        assertTrue(full.err().contains("found 'stages': run a recipe with stages with 'mutual run ../recipes/quickstart.yaml'"),
                full.err());

        CliRun missing = CliRun.of("train");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing required option: '--recipe=FILE'"), missing.err());

        // validate reads training recipes too.
        CliRun ok = CliRun.of("validate", TRAIN_TINY.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("recipe 'train_tiny', 1 stage: train (train)"), ok.out());
    }
}
