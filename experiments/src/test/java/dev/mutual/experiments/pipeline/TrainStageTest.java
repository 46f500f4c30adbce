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
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraModule;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.SftBatches;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny SFT run through the pipeline: prepare_data, then train from a random d=32 decoder with stories260K's tokenizer. */
class TrainStageTest {

    static final Path TOKENIZER = Path.of("../samples/tok512.bin").toAbsolutePath().normalize();
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
        CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run::err);
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
        Path stories = assumeShared("models/stories260K/stories260K.bin").toAbsolutePath().normalize();
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
        CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run::err);
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

    /**
     * An eager LoRA run from a bf16 HF folder keeps the base's projections in bf16 (loaded with Precision.AUTO) and
     * trains exactly as from an fp32 folder of the same values: the same adapter and merged model, byte for byte.
     */
    @Test
    void loraOnABf16FolderTrainsAsOnItsFp32Copy() throws IOException {
        ModelConfig c = new ModelConfig("llama", 32, 48, 2, 4, 2, 8, 512, 256, 1e-5, 10000.0, null, false, false, 0, 1, 2);
        java.util.Map<String, dev.mutual.trainer.model.Tensor> tensors = new java.util.LinkedHashMap<>();
        DecoderParameters.random(c, 17, DataType.FLOAT).forEach((name, a) -> tensors.put(name,
                new dev.mutual.trainer.model.Tensor(Arrays.stream(a.shape()).mapToInt(Math::toIntExact).toArray(), a.data().asFloat())));
        Path bf16 = Files.createDirectories(tmp.resolve("bf16-model"));
        dev.mutual.trainer.model.HfConfigFile.write(c, bf16.resolve("config.json"));
        dev.mutual.trainer.checkpoint.Safetensors.writeModel(bf16, tensors, java.util.Map.of("format", "pt"),
                dev.mutual.trainer.checkpoint.Safetensors.DType.BF16, 1L << 30);
        assertTrue(HfCheckpoint.load(bf16, HfCheckpoint.Precision.AUTO).weights().half().size() >= 7 * c.numLayers());
        Path fp32 = tmp.resolve("fp32-model");
        HfCheckpoint.save(fp32, HfCheckpoint.load(bf16).weights(), List.of(TOKENIZER));
        Path[] trained = {trainLora("bf16", bf16, "{rank: 4, alpha: 8, dropout: 0.1}"),
                trainLora("fp32", fp32, "{rank: 4, alpha: 8, dropout: 0.1}")};
        assertArrayEquals(Files.readAllBytes(trained[1].resolve("adapter/" + LoraAdapterFile.WEIGHTS_FILE)),
                Files.readAllBytes(trained[0].resolve("adapter/" + LoraAdapterFile.WEIGHTS_FILE)), "the same adapter");
        DecoderWeights a = HfCheckpoint.load(trained[0].resolve("model")).weights(), b = HfCheckpoint.load(trained[1].resolve("model")).weights();
        b.toHfTensors().forEach((n, t) -> assertArrayEquals(t.values(), a.toHfTensors().get(n).values(), "merged " + n));
        assertTrue(!Arrays.equals(b.layers().get(0).qProj(), HfCheckpoint.load(fp32).weights().layers().get(0).qProj()), "the adapter moved q_proj");
    }

    /**
     * Runs a two-step LoRA recipe {@code name} (seq 128, micro-batch 2, constant lr 0.01) on {@code model} with the
     * given {@code lora:} block through {@code mutual train}; returns its run's train directory.
     */
    private Path trainLora(String name, Path model, String lora) throws IOException {
        Path recipe = Files.writeString(tmp.resolve(name + ".yaml"), """
                name: %s
                seed: 5
                data: %s
                model: %s
                tokenizer: %s
                seq_len: 128
                micro_batch: 2
                steps: 2
                lr: 0.01
                schedule: constant
                min_lr_ratio: 0
                lora: %s
                """.formatted(name, SEED, model, TOKENIZER, lora));
        CliRun run = CliRun.of("train", "--recipe", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run::err);
        try (Stream<Path> d = Files.list(tmp.resolve("runs/" + name))) {
            return d.findFirst().orElseThrow().resolve("train");
        }
    }

    /**
     * LoRA on stories260K: only q_proj and v_proj adapters train; adapter/ holds them in PEFT's layout and model/ is
     * W + alpha / r * B A for the adapted linears (checked here with plain loops) and the base elsewhere.
     */
    @Test
    void loraSavesTheAdapterAndTheMergedModel() throws IOException {
        Path stories = assumeShared("models/stories260K/stories260K.bin").toAbsolutePath().normalize();
        Path dir = trainLora("lora", stories, "{rank: 4, alpha: 8, dropout: 0.1, target_modules: [v_proj, q_proj]}");
        assertEquals(2, Files.readAllLines(dir.resolve("metrics.jsonl")).size());

        DecoderWeights base = Llama2cCheckpoint.read(stories);
        LoraConfig saved = LoraAdapterFile.readConfig(dir.resolve("adapter"));
        assertEquals(new LoraConfig(4, 8, 0.1, List.of("v_proj", "q_proj")), saved);
        LoraWeights adapter = LoraAdapterFile.load(dir.resolve("adapter"), base.config());
        DecoderWeights merged = HfCheckpoint.load(dir.resolve("model")).weights();
        ModelConfig c = base.config();
        double maxDiff = 0;
        boolean moved = false;
        for (int l = 0; l < c.numLayers(); l++) {
            for (LoraModule m : LoraModule.values()) {
                float[] w = m.weightOf(base.layers().get(l));
                float[] got = m.weightOf(merged.layers().get(l));
                if (!saved.targetModules().contains(m.hfName)) {
                    assertArrayEquals(w, got, "layer " + l + " " + m.hfName + " is frozen and not adapted");
                    continue;
                }
                float[] a = adapter.a(l, m);   // [r, in]
                float[] b = adapter.b(l, m);   // [out, r]
                int in = m.inFeatures(c), out = m.outFeatures(c), r = 4;
                for (float v : b) moved |= v != 0;   // PEFT starts B at 0; training moved it
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double delta = 0;
                        for (int k = 0; k < r; k++) delta += (double) b[o * r + k] * a[k * in + i];
                        maxDiff = Math.max(maxDiff, Math.abs(w[o * in + i] + 8.0 / 4 * delta - got[o * in + i]));
                    }
                }
            }
        }
        assertTrue(moved, "B is still zero: the adapter did not train");
        assertTrue(maxDiff < 1e-6, "merged weight vs W + alpha/r B A: max diff " + maxDiff);
        assertArrayEquals(base.embedTokens(), merged.embedTokens());
    }

    /**
     * Per-example weights from the data: with weights 0, 1, 0, 0 and one micro-batch holding all four rows, the first
     * step's loss is the second example's mean loss alone, computed here on a batch of one.
     */
    @Test
    void exampleWeightsFromTheDataWeightTheLoss() throws IOException {
        List<String> dolly = Files.readAllLines(SEED).subList(0, 4);
        double[] weights = {0, 1, 0, 0};
        StringBuilder data = new StringBuilder();
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 4; i++) {
            data.append(((com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dolly.get(i))).put("weight", weights[i]))
                    .append('\n');
        }
        Path file = Files.writeString(tmp.resolve("weighted.jsonl"), data);
        Path recipe = Files.writeString(tmp.resolve("w.yaml"), """
                name: weighted
                seed: 11
                data: %s
                init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                tokenizer: %s
                seq_len: 192
                micro_batch: 4
                steps: 1
                """.formatted(file, TOKENIZER));
        CliRun run = CliRun.of("train", "--recipe", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run::err);
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/weighted"))) {
            dir = d.findFirst().orElseThrow().resolve("train");
        }
        JsonNode step = json.readTree(Files.readAllLines(dir.resolve("metrics.jsonl")).get(0));

        List<Example> examples = DataReader.read(file, DataReader.Options.defaults()).examples();
        assertEquals(1.0, examples.get(1).weight());
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER)) {
            ChatEncoder enc = new ChatEncoder(tok, ChatTemplate.forTokenizer("alpaca", tok));
            TokenBatch alone = SftBatches.sft(List.of(examples.get(1)), new double[] {1}, enc, 192).batch();
            ModelConfig c = new ModelConfig("llama", 32, 64, 2, 4, 2, 8, 512, 2048, 1e-5, 1e4, null, false, false, 0,
                    tok.bosId().orElse(-1), tok.eosId().orElse(-1));
            double expected = DecoderGraph.build(c, DecoderParameters.random(c, 11, DataType.FLOAT), 1, 192,
                    DataType.FLOAT).loss(alone);
            assertEquals(expected, step.get("loss").doubleValue(), 1e-5, "only the example of weight 1 counts");
            double tokens = 0;
            for (double w : alone.lossWeights()[0]) tokens += w;
            // The weight-0 rows are left out of training, so the one row to learn fills the micro-batch of 4.
            assertEquals(4 * tokens, step.get("weight_sum").doubleValue(), "the weight-0 rows add no weight");
        }

        // Every weight 0: nothing to learn, said before any step.
        Path zeros = Files.writeString(tmp.resolve("zeros.jsonl"), data.toString().replace("\"weight\":1.0", "\"weight\":0.0"));
        CliRun run2 = CliRun.of("train", "--recipe", recipe.toString(), "data=" + zeros, "paths.runs=" + tmp.resolve("runs"));
        assertEquals(2, run2.code(), run2::err);
        assertTrue(run2.err().contains(zeros + ": every example has weight 0 or loses its whole reply to seq_len 192"),
                run2.err());
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
        assertTrue(validate(base + "    model: " + TOKENIZER + "\n").contains("expected exactly one of 'model: PATH', "
                + "'model_stage: STAGE' and 'init: {...}', found several"));
        assertTrue(validate(base + "    schedule: cosin\n").contains("schedule: expected one of [cosine, linear, "
                + "constant], found \"cosin\""));
        assertTrue(validate(base + "    warmup_steps: 4\n").contains("warmup_steps: expected 0..3 (below steps), found 4"));
        assertTrue(validate(base.replace("heads: 4, kv_heads: 2", "heads: 4, kv_heads: 3"))
                .contains("kv_heads: expected a divisor of heads (4), found 3"));
    }

    /** {@code mutual validate} on a recipe text: "" when it exits 0, else what it printed to stderr. */
    private String validate(String yaml) throws IOException {
        Path recipe = Files.writeString(tmp.resolve("bad.yaml"), yaml);
        CliRun run = CliRun.of("validate", recipe.toString());
        assertEquals(run.code() == 0 ? 0 : 2, run.code(), run::err);
        return run.code() == 0 ? "" : run.err();
    }

    @Test
    void rowsWithNothingToLearnAreLeftOutOfTraining() {
        TokenBatch rows = new TokenBatch(new int[][] {{1, 2}, {3, 4}, {5, 6}}, new int[][] {{2, 3}, {4, 5}, {6, 7}},
                new double[][] {{0, 1}, {0, 0}, {0.5, 0}});
        TokenBatch kept = TrainStage.rowsToLearn(rows);
        assertEquals(2, kept.batchSize());
        assertEquals(List.of(1, 5), List.of(kept.inputIds()[0][0], kept.inputIds()[1][0]));
        assertEquals(0.5, kept.lossWeights()[1][0]);
    }
}
