package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.Example;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.Format;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.experiments.cli.MutualCli;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.graph.DecoderParameters;
import dev.mutual.trainer.graph.TokenBatch;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.SftBatches;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny SFT run through the pipeline: prepare_data, then train from a random d=32 decoder with stories260K's tokenizer. */
class TrainStageTest {

    static final Path TOKENIZER = Path.of("../../shared/data/models/stories260K/tok512.bin").toAbsolutePath().normalize();
    static final Path SEED = Path.of("../samples/seed_dolly_open_qa.jsonl").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void trainsSavesAndTheSavedModelLoadsAndGenerates() throws IOException {
        Path recipe = Files.writeString(tmp.resolve("tiny.yaml"), """
                name: tiny
                seed: 3
                stages:
                  prepare:
                    type: prepare_data
                    sources:
                      - path: %s
                        format: dolly
                  sft:
                    type: train
                    data_stage: prepare
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    chat_template: alpaca
                    seq_len: 192
                    micro_batch: 4
                    steps: 8
                    lr: 0.01
                    warmup_steps: 1
                """.formatted(SEED, TOKENIZER));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = MutualCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(0, cli.execute("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs")), err::toString);
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/tiny"))) {
            dir = d.findFirst().orElseThrow();
        }
        Path sft = dir.resolve("sft");

        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(sft.resolve("metrics.jsonl"));
        assertEquals(8, lines.size());
        double[] losses = new double[8];
        for (int i = 0; i < 8; i++) {
            JsonNode line = json.readTree(lines.get(i));
            assertEquals(i + 1, line.get("step").asInt());
            losses[i] = line.get("loss").asDouble();
            assertTrue(line.get("tokens").asLong() > 0, lines.get(i));
        }
        // Warmup: step 1 at lr 0, then 1e-2 decaying by cosine.
        assertEquals(0.0, json.readTree(lines.get(0)).get("lr").asDouble());
        assertEquals(0.01, json.readTree(lines.get(1)).get("lr").asDouble(), 1e-12);
        System.out.println("train stage losses " + Arrays.toString(losses));
        // Random init starts near ln(512) = 6.24 and must go down.
        assertEquals(Math.log(512), losses[0], 0.3);
        assertTrue(losses[7] < losses[0] - 0.5, Arrays.toString(losses));

        // The saved model is the trained one: its loss on the first 16 training rows is below the same init's.
        HfCheckpoint.Loaded loaded = HfCheckpoint.load(sft.resolve("model"));
        ModelConfig c = loaded.config();
        assertEquals(32, c.hiddenSize());
        assertEquals(512, c.vocabSize());
        assertTrue(Files.isRegularFile(sft.resolve("model/tok512.bin")));
        List<Example> examples = DataReader.read(dir.resolve("prepare/data.jsonl"),
                new DataReader.Options(Format.PREPARED, false, 16, false)).examples();
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER)) {
            ChatEncoder enc = new ChatEncoder(tok, ChatTemplate.forTokenizer("alpaca", tok));
            double[] ones = new double[examples.size()];
            Arrays.fill(ones, 1);
            TokenBatch rows = SftBatches.sft(examples, ones, enc, 192).batch();
            double trained = DecoderGraph.build(loaded.weights(), rows.batchSize(), 192, DataType.FLOAT).loss(rows);
            double initial = DecoderGraph.build(c, DecoderParameters.random(c, 3, DataType.FLOAT), rows.batchSize(),
                    192, DataType.FLOAT).loss(rows);
            System.out.printf("loss on 16 rows: init %.4f, trained %.4f%n", initial, trained);
            assertTrue(trained < initial - 0.5, initial + " -> " + trained);

            int[] prompt = enc.promptIds(List.of(ChatMessage.user(examples.get(0).fullInstruction())));
            try (Decoder decoder = new Decoder(loaded.weights(), false, 1)) {
                Generator.Result r = new Generator(decoder).generate(List.of(prompt), GenerationOptions.greedy(8),
                        ids -> tok.decode(ids)).get(0);
                assertEquals(8, r.tokens().length, "greedy, no EOS this early: " + r);
                for (int id : r.tokens()) assertTrue(id >= 0 && id < 512);
            }
        }
    }

    @Test
    void startsFromALlama2cCheckpoint() throws IOException {
        Path stories = Path.of("../../shared/data/models/stories260K/stories260K.bin").toAbsolutePath().normalize();
        Path recipe = Files.writeString(tmp.resolve("ft.yaml"), """
                name: ft
                stages:
                  sft:
                    type: train
                    data: %s
                    model: %s
                    tokenizer: %s
                    seq_len: 160
                    micro_batch: 2
                    grad_accum: 2
                    steps: 2
                    schedule: constant
                    min_lr_ratio: 0
                """.formatted(SEED, stories, TOKENIZER));
        StringWriter err = new StringWriter();
        CommandLine cli = MutualCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(0, cli.execute("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs")), err::toString);
        Path sft;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/ft"))) {
            sft = d.findFirst().orElseThrow().resolve("sft");
        }
        List<String> lines = Files.readAllLines(sft.resolve("metrics.jsonl"));
        assertEquals(2, lines.size());
        ObjectMapper json = new ObjectMapper();
        // stories260K is a story model, not an instruction model: its loss on alpaca-formatted dolly replies is
        // far below a random model's ln(512) = 6.24 but not small.
        double first = json.readTree(lines.get(0)).get("loss").asDouble();
        System.out.println("stories260K first SFT loss " + first);
        assertTrue(first > 1 && first < 5.5, lines.get(0));
        assertEquals(3e-4, json.readTree(lines.get(1)).get("lr").asDouble(), 1e-15, "constant schedule at lr");
        ModelConfig c = HfCheckpoint.load(sft.resolve("model")).config();
        assertEquals(64, c.hiddenSize());
        assertEquals(5, c.numLayers());
        assertEquals(4, c.numKvHeads());
    }

    @Test
    void badTrainKeysAreRejectedNamingTheKey() throws IOException {
        String base = """
                name: bad
                stages:
                  sft:
                    type: train
                    data: %s
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    steps: 4
                """.formatted(SEED, TOKENIZER);
        assertEquals("", validate(base));
        assertTrue(validate(base + "    data_stage: prepare\n").contains("expected exactly one of 'data: PATH' and "
                + "'data_stage: STAGE', found both"));
        assertTrue(validate(base + "    model: " + TOKENIZER + "\n").contains("expected exactly one of 'model: PATH' "
                + "and 'init: {...}', found both"));
        assertTrue(validate(base + "    schedule: cosin\n").contains("schedule: expected one of [cosine, linear, "
                + "constant], found \"cosin\""));
        assertTrue(validate(base + "    warmup_steps: 4\n").contains("warmup_steps: expected 0..3 (below steps), found 4"));
        assertTrue(validate(base.replace("heads: 4, kv_heads: 2", "heads: 4, kv_heads: 3"))
                .contains("kv_heads: expected a divisor of heads (4), found 3"));
    }

    /** {@code mutual validate} on a recipe text: "" when it exits 0, else what it printed to stderr. */
    private String validate(String yaml) throws IOException {
        Path recipe = Files.writeString(tmp.resolve("bad.yaml"), yaml);
        StringWriter err = new StringWriter();
        CommandLine cli = MutualCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("validate", recipe.toString());
        assertEquals(code == 0 ? 0 : 2, code, err::toString);
        return code == 0 ? "" : err.toString();
    }
}
