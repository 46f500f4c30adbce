package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code objective: pretrain}: a tiny model learns plain text through {@code train --recipe}; bad keys are refused. */
class PretrainRecipeTest {

    static final Path SEED = Path.of("../samples/seed_dolly_open_qa.jsonl").toAbsolutePath().normalize();
    static final Path TOKENIZER = Path.of("../samples/tok512.bin").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    /** The Dolly sample's replies as plain-text documents, one .txt file each. */
    private Path textFolder(int documents) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("text"));
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(SEED);
        for (int i = 0; i < documents; i++) {
            Files.writeString(dir.resolve(String.format("doc%03d.txt", i)), json.readTree(lines.get(i)).get("response").asText());
        }
        return dir;
    }

    private Path recipe(Path data) throws IOException {
        return Files.writeString(tmp.resolve("pretrain.yaml"), """
                name: pretrain
                seed: 5
                objective: pretrain
                data: %s
                max_documents: 60
                tokenizer: %s
                init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                seq_len: 64
                packing: true
                micro_batch: 4
                steps: 8
                lr: 0.01
                warmup_steps: 1
                eval_every: 4
                eval_fraction: 0.1
                """.formatted(data, TOKENIZER));
    }

    @Test
    void pretrainsOnTextFilesWithFallingLossAndWritesTheModel() throws IOException {
        Path recipe = recipe(textFolder(80));
        CliRun run = CliRun.of("train", "--recipe", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run.err());
        // Only the first 60 of the 80 documents are read.
        assertTrue(run.out().contains("  train: ran {documents=60, text_tokens="), run.out());
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/pretrain"))) {
            dir = d.findFirst().orElseThrow().resolve("train");
        }
        ObjectMapper json = new ObjectMapper();
        List<Double> losses = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            JsonNode line = json.readTree(l);
            double loss = line.get("loss").doubleValue();
            assertTrue(Double.isFinite(loss), l);
            losses.add(loss);
            // Every position of a full row counts except document ends: far more tokens than an SFT reply.
            assertTrue(line.get("tokens").longValue() > 4 * 64 * 0.8, l);
        }
        assertEquals(8, losses.size());
        System.out.println("pretrain losses " + losses);
        assertEquals(Math.log(512), losses.get(0), 0.3, "random init: about ln(vocab)");
        assertTrue(losses.get(7) < losses.get(0) - 0.5, losses.toString());
        assertTrue(losses.get(7) < losses.get(3), losses.toString());
        List<String> validations = Files.readAllLines(dir.resolve("validation.jsonl"));
        assertEquals(2, validations.size());
        double v4 = json.readTree(validations.get(0)).get("eval_loss").doubleValue();
        double v8 = json.readTree(validations.get(1)).get("eval_loss").doubleValue();
        assertTrue(v8 < v4, v4 + " then " + v8);
        assertEquals(512, HfCheckpoint.load(dir.resolve("model")).config().vocabSize());
        assertTrue(Files.isRegularFile(dir.resolve("model/tok512.bin")));
    }

    @Test
    void evalDataIsPlainTextToo() throws IOException {
        Path recipe = recipe(textFolder(30));
        Path eval = Files.writeString(tmp.resolve("eval.jsonl"), "{\"text\": \"%s\"}\n".formatted("The cat sat. ".repeat(20)));
        CliRun run = CliRun.of("train", "--recipe", recipe.toString(), "steps=2", "warmup_steps=0", "eval_every=2",
                "eval_fraction=0", "eval_data=" + eval, "packing=false", "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run.err());
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/pretrain"))) {
            dir = d.findFirst().orElseThrow().resolve("train");
        }
        List<String> validations = Files.readAllLines(dir.resolve("validation.jsonl"));
        assertEquals(1, validations.size());
        double loss = new ObjectMapper().readTree(validations.get(0)).get("eval_loss").doubleValue();
        assertTrue(Double.isFinite(loss) && loss > 0, validations.get(0));
    }

    @Test
    void badPretrainSettingsExitTwoNamingTheKey() throws IOException {
        Path recipe = recipe(textFolder(2));
        CliRun typo = CliRun.of("train", "--recipe", recipe.toString(), "objective=pretrian");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("objective: expected one of [sft, pretrain], found \"pretrian\"; did you mean"
                + " 'pretrain'?"), typo.err());

        CliRun limitOnSft = CliRun.of("train", "--recipe", recipe.toString(), "objective=sft");
        assertEquals(2, limitOnSft.code());
        assertTrue(limitOnSft.err().contains("max_documents: limits the plain text of 'objective: pretrain', found"
                + " objective sft"), limitOnSft.err());

        CliRun tooShort = CliRun.of("train", "--recipe", recipe.toString(), "seq_len=2048",
                "paths.runs=" + tmp.resolve("runs"));
        assertEquals(2, tooShort.code());
        assertTrue(tooShort.err().contains(tmp.resolve("text") + ": the text has "), tooShort.err());
        assertTrue(tooShort.err().contains("fewer than one row of seq_len + 1 = 2049 (add text, raise"
                + " max_tokens/max_documents or lower seq_len)"), tooShort.err());

        Path staged = Files.writeString(tmp.resolve("staged.yaml"), """
                name: staged
                stages:
                  prepare:
                    type: prepare_data
                    sources: [{path: %s, format: dolly}]
                  pretrain:
                    type: train
                    objective: pretrain
                    data_stage: prepare
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    steps: 2
                """.formatted(SEED, TOKENIZER));
        CliRun fromStage = CliRun.of("validate", staged.toString());
        assertEquals(2, fromStage.code());
        assertTrue(fromStage.err().contains("objective: pretrain trains on plain text: expected 'data: PATH' (.txt,"
                + " .jsonl or .jsonl.gz with a \"text\" field, .parquet with a \"text\" column, or a folder of them), found data_stage prepare"),
                fromStage.err());

        Path pairs = Files.writeString(tmp.resolve("pairs.jsonl"), "{\"instruction\": \"hi\", \"output\": \"hello\"}\n");
        CliRun notText = CliRun.of("train", "--recipe", recipe.toString(), "data=" + pairs,
                "paths.runs=" + tmp.resolve("runs"));
        assertEquals(2, notText.code());
        assertTrue(notText.err().contains(pairs + ":1: expected a string field \"text\" (the document), found no such"
                + " field (fields: instruction, output)"), notText.err());
    }
}
