package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.Format;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.experiments.main.MainMethod;
import dev.mutual.experiments.recipe.MixConfig;
import dev.mutual.experiments.recipe.RecipeLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mix stage: seed pairs plus kept synthetic pairs, weighted by MainMethod, in the OpenAI messages format; read
 * back by DataReader and trained on by a real train stage, whose first step's weight sum shows the weights and the
 * system turns arrived.
 */
class MixStageTest {

    static final Path TOKENIZER = Path.of("../samples/tok512.bin").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SEED_SYSTEM = "Answer in the style of an AI Assistant.";
    private static final String SYNTHETIC_SYSTEM = "Answer with knowledge from web search.";
    /** Seed pairs: instruction, context, response. */
    private static final String[][] SEED = {
            {"Name a primary colour.", "", "Red is a primary colour."},
            {"What is two plus two?", "", "Two plus two is four."},
            {"Summarise the text.", "Cats sleep a lot.", "Cats sleep much of the day."},
            {"Say hello.", "", "Hello!"},
    };
    /** Kept synthetic pairs: instruction, response, mutual score. */
    private static final Object[][] KEPT = {
            {"Why is the sky blue?", "Air scatters blue light more than red light.", 0.5},
            {"Describe a river.", "A river is water flowing to the sea.", 0.1},
            {"What do bees make?", "Bees make honey and wax.", -0.2},
    };

    @TempDir
    Path tmp;
    Path seed;
    Path picked;

    @BeforeEach
    void writeInputs() throws IOException {
        seed = tmp.resolve("seed");
        Files.createDirectories(seed);
        StringBuilder s = new StringBuilder();
        for (String[] p : SEED) {
            s.append(JSON.writeValueAsString(JSON.createObjectNode().put("instruction", p[0]).put("context", p[1]).put("response", p[2])))
                    .append('\n');
        }
        Files.writeString(seed.resolve("data.jsonl"), s);
        List<ObjectNode> kept = new ArrayList<>();
        for (int i = 0; i < KEPT.length; i++) {
            ObjectNode o = SelectStageTest.line("pool-" + i, 0, (String) KEPT[i][0], 0.2, 0.1, 0.8, true);
            o.put("response", (String) KEPT[i][1]);
            o.put("mutual", (double) KEPT[i][2]);
            o.put("kept", true);
            o.put("reason", "kept: both directions support");
            kept.add(o);
        }
        picked = tmp.resolve("picked");
        SelectStageTest.writeLines(picked.resolve("kept.jsonl"), kept);
    }

    Path run(MixConfig config) throws IOException {
        Path work = tmp.resolve("work-" + config.weighting() + "-" + config.round());
        Files.createDirectories(work);
        new MixStage(config).run(new StageContext("mix", work, Map.of("seed", seed, "picked", picked), false));
        return work;
    }

    /** The conversation of each line, built from the inputs above, in data.jsonl order. */
    static List<List<ChatMessage>> expectedConversations() {
        List<List<ChatMessage>> out = new ArrayList<>();
        for (String[] p : SEED) {
            out.add(List.of(ChatMessage.system(SEED_SYSTEM), ChatMessage.user(p[1].isEmpty() ? p[0] : p[0] + "\n\n" + p[1]),
                    ChatMessage.assistant(p[2])));
        }
        for (Object[] k : KEPT) {
            out.add(List.of(ChatMessage.system(SYNTHETIC_SYSTEM), ChatMessage.user((String) k[0]), ChatMessage.assistant((String) k[1])));
        }
        return out;
    }

    @Test
    void weightsSyntheticPairsByMainMethodAndTheTrainStageTrainsOnThem() throws IOException {
        MixConfig config = new MixConfig("seed", "picked", MainMethod.Weighting.SCORE_SOFTMAX, 0.5, 0.5, 1, 1, SEED_SYSTEM, SYNTHETIC_SYSTEM);
        Path work = run(config);

        double[] expected = MainMethod.syntheticWeights(MainMethod.Weighting.SCORE_SOFTMAX, new double[] {0.5, 0.1, -0.2}, 4, 0.5, 0.5);
        List<String> text = Files.readAllLines(work.resolve("data.jsonl"));
        assertEquals(7, text.size());
        double[] weights = new double[7];
        for (int i = 0; i < 7; i++) {
            JsonNode line = JSON.readTree(text.get(i));
            weights[i] = line.get("weight").asDouble();
            assertEquals(i < 4 ? "seed" : "synthetic", line.get("origin").asText());
            assertEquals(i < 4 ? 1.0 : expected[i - 4], weights[i], 1e-12);
            JsonNode messages = line.get("messages");
            assertEquals(List.of("system", "user", "assistant"), List.of(messages.get(0).get("role").asText(),
                    messages.get(1).get("role").asText(), messages.get(2).get("role").asText()));
            assertEquals(expectedConversations().get(i).get(1).content(), messages.get(1).get("content").asText());
        }
        JsonNode synthetic = JSON.readTree(text.get(4));
        assertEquals("pool-0#r1c0", synthetic.get("id").asText());
        for (String field : List.of("source_id", "round", "candidate", "forward_pmi", "reverse_pmi", "ifd", "forward_logprob", "reason")) {
            assertTrue(synthetic.has(field), "provenance and scores: " + field);
        }
        assertEquals(0.5, synthetic.get("mutual").asDouble());
        // A softmax over 0.5, 0.1, -0.2 at temperature 0.5 trusts the best pair most, in the same total as size_balanced.
        assertTrue(expected[0] > expected[1] && expected[1] > expected[2]);

        JsonNode summary = JSON.readTree(work.resolve("summary.json").toFile());
        assertEquals("score_softmax", summary.get("weighting").asText());
        assertEquals(4, summary.get("seed").get("count").asInt());
        assertEquals(4.0, summary.get("seed").get("weight_sum").asDouble());
        assertEquals(3, summary.get("synthetic").get("count").asInt());
        assertEquals(4.0, summary.get("synthetic").get("weight_sum").asDouble(), 1e-12, "share 0.5 of all weight: as much as the seed");
        assertEquals(0.5, summary.get("share").asDouble(), 1e-12);

        // DataReader reads it back (detected as OpenAI messages) with weights and system turns.
        List<Example> examples = DataReader.read(work.resolve("data.jsonl"), DataReader.Options.defaults()).examples();
        assertEquals(Format.OPENAI, Format.detect(work.resolve("data.jsonl")));
        assertEquals(7, examples.size());
        for (int i = 0; i < 7; i++) {
            Example e = examples.get(i);
            assertEquals(weights[i], e.weight(), 1e-12);
            assertEquals("system", e.turns().get(0).role());
            assertEquals(i < 4 ? SEED_SYSTEM : SYNTHETIC_SYSTEM, e.turns().get(0).content());
            assertEquals(expectedConversations().get(i).get(2).content(), e.response());
        }

        // A train stage on data.jsonl: one step over all seven rows. Its weight sum is sum_i weight_i x (reply tokens
        // of conversation i), counted here from the conversations built above.
        double weightSum = 0;
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER)) {
            ChatEncoder encoder = new ChatEncoder(tok, ChatTemplate.forTokenizer("alpaca", tok));
            for (int i = 0; i < 7; i++) {
                EncodedChat chat = encoder.encode(expectedConversations().get(i));
                assertTrue(chat.ids().length <= 257, "no row is cut at seq_len 256");
                weightSum += weights[i] * chat.trainableTokens();
            }
        }
        Path recipe = Files.writeString(tmp.resolve("train.yaml"), """
                name: mixed
                seed: 3
                stages:
                  sft:
                    type: train
                    data: %s
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    seq_len: 256
                    micro_batch: 7
                    steps: 1
                """.formatted(work.resolve("data.jsonl"), TOKENIZER));
        CliRun train = CliRun.of("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, train.code(), train::err);
        Path runDir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/mixed"))) {
            runDir = d.findFirst().orElseThrow();
        }
        JsonNode step = JSON.readTree(Files.readAllLines(runDir.resolve("sft/metrics.jsonl")).get(0));
        assertEquals(weightSum, step.get("weight_sum").asDouble(), 1e-6 * weightSum);
    }

    @Test
    void roundRampGrowsTheShareAndConstantWeighsEveryPairOne() throws IOException {
        // Round 1 of 3 with share 0.6: 0.2 of all weight, so the synthetic pairs carry 0.2 / 0.8 x 4 seed = 1.
        JsonNode ramp = JSON.readTree(run(new MixConfig("seed", "picked", MainMethod.Weighting.ROUND_RAMP, 0.6, 1.0, 1, 3, null, null))
                .resolve("summary.json").toFile());
        assertEquals(0.2, ramp.get("synthetic_share").asDouble(), 1e-12);
        assertEquals(1.0, ramp.get("synthetic").get("weight_sum").asDouble(), 1e-12);
        assertEquals(0.2, ramp.get("share").asDouble(), 1e-12);

        Path constant = run(new MixConfig("seed", "picked", MainMethod.Weighting.CONSTANT, 0.5, 1.0, 1, 1, null, null));
        for (String line : Files.readAllLines(constant.resolve("data.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            assertEquals(1.0, n.get("weight").asDouble());
            assertEquals("user", n.get("messages").get(0).get("role").asText(), "no system prompt unless asked");
        }
        assertEquals(3.0 / 7, JSON.readTree(constant.resolve("summary.json").toFile()).get("share").asDouble(), 1e-12,
                "constant weights: the share is what the counts give");
    }

    @Test
    void seedOnlyAndBadSeedData() throws IOException {
        Path seedOnly = tmp.resolve("seed-only");
        Files.createDirectories(seedOnly);
        new MixStage(new MixConfig("seed", null, MainMethod.Weighting.CONSTANT, 0.5, 1.0, 1, 1, SEED_SYSTEM, null))
                .run(new StageContext("mix", seedOnly, Map.of("seed", seed), false));
        assertEquals(4, Files.readAllLines(seedOnly.resolve("data.jsonl")).size());
        JsonNode summary = JSON.readTree(seedOnly.resolve("summary.json").toFile());
        assertEquals(0, summary.get("synthetic").get("count").asInt());
        assertNull(summary.get("synthetic").get("weight_min"));

        Files.writeString(seed.resolve("data.jsonl"), "{\"response\": \"An unlabelled reply.\", \"gold_instruction\": null}\n");
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        String message = assertThrows(UserInputException.class, () -> new MixStage(new MixConfig("seed", null,
                MainMethod.Weighting.CONSTANT, 0.5, 1.0, 1, 1, null, null)).run(new StageContext("mix", bad, Map.of("seed", seed), false)))
                .getMessage();
        assertEquals("stages.mix.seed_stage: " + seed.resolve("data.jsonl") + " line 1 (id data-1): expected instruction-response"
                + " pairs, found an unlabelled response", message);
    }

    @Test
    void aRecipeRunsPrepareMixTrainAndChecksWhatMixReads() throws IOException {
        Files.writeString(tmp.resolve("seed.jsonl"), Files.readString(seed.resolve("data.jsonl")));
        String recipe = """
                name: mixed
                stages:
                  prep:
                    type: prepare_data
                    sources: [{path: seed.jsonl, format: dolly}]
                  mix:
                    type: mix
                    seed_stage: prep
                    seed_system: "%s"
                  sft:
                    type: train
                    data_stage: mix
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    steps: 1
                """.formatted(SEED_SYSTEM, TOKENIZER);
        Path file = Files.writeString(tmp.resolve("mixed.yaml"), recipe);
        MixConfig mix = (MixConfig) RecipeLoader.load(file, List.of(), Map.of(), tmp).stages().get("mix");
        assertEquals(MainMethod.Weighting.CONSTANT, mix.weighting());
        assertEquals(List.of("prep"), mix.upstream());
        CliRun run = CliRun.of("run", file.toString(), "paths.runs=" + tmp.resolve("runs"));
        assertEquals(0, run.code(), run::err);
        Path runDir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/mixed"))) {
            runDir = d.findFirst().orElseThrow();
        }
        assertEquals(4, JSON.readTree(runDir.resolve("mix/summary.json").toFile()).get("seed").get("count").asInt());
        assertTrue(Files.isRegularFile(runDir.resolve("sft/model/config.json")), "the train stage read mix/data.jsonl and finished");

        String wrong = assertThrows(UserInputException.class, () -> RecipeLoader.load(file, List.of("stages.mix.selected_stage=prep"),
                Map.of(), tmp)).getMessage();
        assertTrue(wrong.endsWith("stages.mix.selected_stage: stage 'prep' is a prepare_data stage; expected a select stage (its"
                + " kept.jsonl)"), wrong);
        String share = assertThrows(UserInputException.class, () -> RecipeLoader.load(file, List.of("stages.mix.synthetic_share=1"),
                Map.of(), tmp)).getMessage();
        assertTrue(share.endsWith("stages.mix: synthetic_share: expected a share in (0, 1), found 1.0"), share);
        String weighting = assertThrows(UserInputException.class, () -> RecipeLoader.load(file, List.of("stages.mix.weighting=softmax"),
                Map.of(), tmp)).getMessage();
        assertTrue(weighting.contains("expected one of constant, size_balanced, score_softmax, round_ramp, found 'softmax'"), weighting);
    }
}
