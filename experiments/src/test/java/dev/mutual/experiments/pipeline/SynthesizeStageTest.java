package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.experiments.recipe.SynthesizeConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stage {@code synthesize} on repository files only: a pool of 10 OASST1 replies, a tiny reverse model trained for
 * 4 steps on the Dolly seed sample, k=3 candidates each. The output does not depend on batch_size or shard_size;
 * over-long responses are cut to fit the model; bad references and a pool line without a response stop with a
 * message naming the key or the file and line.
 */
class SynthesizeStageTest {

    static final Path SAMPLES = Path.of("../samples").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** prepare_data pool + seed, a 4-step reverse train stage, and synthesize; {@code %s} is the synthesize block's extra keys. */
    static String recipe(int poolItems, String synthesizeKeys) {
        return """
                name: synth
                seed: 5
                stages:
                  pool:
                    type: prepare_data
                    sources:
                      - path: %1$s/unlabelled_oasst1.jsonl
                        unlabelled: true
                        limit: %2$d
                  seed:
                    type: prepare_data
                    sources:
                      - path: %1$s/seed_dolly_open_qa.jsonl
                        format: dolly
                  reverse:
                    type: train
                    direction: reverse
                    data_stage: seed
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %1$s/tok512.bin
                    seq_len: 192
                    micro_batch: 4
                    steps: 4
                    lr: 0.01
                  synth:
                    type: synthesize
                    model_stage: reverse
                    pool_stage: pool
                %3$s""".formatted(SAMPLES, poolItems, synthesizeKeys.indent(4));
    }

    @TempDir
    static Path shared;
    static Path recipe;
    static Path runA;

    /** One run (batch_size 5, shard_size 4) that the tests read: its reverse model, pool and candidates. */
    @BeforeAll
    static void runOnce() throws IOException {
        recipe = Files.writeString(shared.resolve("synth.yaml"), recipe(10, """
                k: 3
                max_new_tokens: 24
                shard_size: 4
                batch_size: 5
                """));
        CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + shared.resolve("runs"));
        assertEquals(0, run.code(), run::err);
        runA = onlyRun(shared.resolve("runs/synth"));
    }

    @Test
    void everyPoolItemGetsKCandidatesWithProvenanceIndependentOfBatchAndShardSize() throws IOException {
        Path candidates = runA.resolve("synth/candidates.jsonl");
        List<String> lines = Files.readAllLines(candidates);
        List<JsonNode> pool = jsonLines(runA.resolve("pool/data.jsonl"));
        assertEquals(10, pool.size());
        assertEquals(30, lines.size());
        Set<String> ids = new HashSet<>();
        Set<String> instructions = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode c = JSON.readTree(lines.get(i));
            JsonNode item = pool.get(i / 3);
            String sourceId = item.get("id").asText();
            assertEquals(List.of("id", "source_id", "round", "candidate", "instruction", "response", "gold_instruction",
                    "finish", "new_tokens"), fieldNames(c), lines.get(i));
            assertEquals(sourceId + "#r1c" + (i % 3), c.get("id").asText());
            assertEquals(sourceId, c.get("source_id").asText());
            assertEquals(1, c.get("round").asInt());
            assertEquals(i % 3, c.get("candidate").asInt());
            assertEquals(item.get("response").asText(), c.get("response").asText(), "the whole response, never cut");
            assertEquals(item.get("gold_instruction").asText(), c.get("gold_instruction").asText());
            assertEquals(c.get("instruction").asText().strip(), c.get("instruction").asText());
            assertTrue(List.of("stop_token", "stop_string", "length").contains(c.get("finish").asText()), lines.get(i));
            int newTokens = c.get("new_tokens").asInt();
            assertTrue(newTokens >= 0 && newTokens <= 24, lines.get(i));
            assertEquals(c.get("finish").asText().equals("length"), newTokens == 24, lines.get(i));
            assertTrue(ids.add(c.get("id").asText()), "duplicate id " + c.get("id"));
            instructions.add(c.get("instruction").asText());
        }
        assertTrue(instructions.size() > 20, "sampled at temperature 0.7, candidates differ: " + instructions.size());
        try (Stream<Path> files = Files.list(runA.resolve("synth"))) {
            assertEquals(List.of("_SUCCESS.json", "candidates.jsonl"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "shards/ is removed once concatenated");
        }
        JsonNode metrics = JSON.readTree(runA.resolve("synth/_SUCCESS.json").toFile()).get("metrics");
        System.out.println("synthesize metrics: " + metrics);
        assertEquals(10, metrics.get("items").asInt());
        assertEquals(30, metrics.get("candidates").asInt());
        assertEquals(3, metrics.get("shards").asInt());
        assertEquals(0, metrics.get("shards_resumed").asInt());
        long tokens = 0;
        for (String l : lines) tokens += JSON.readTree(l).get("new_tokens").asLong();
        assertEquals(tokens, metrics.get("new_tokens").asLong());
        for (String key : List.of("empty_instructions", "truncated_prompts", "tokens_per_s", "seconds")) {
            assertTrue(metrics.has(key), key);
        }

        // Other batch and shard sizes (a new run directory; prepare and train are reused): the same bytes.
        CliRun b = CliRun.of("run", recipe.toString(), "paths.runs=" + shared.resolve("runs"),
                "stages.synth.batch_size=1", "stages.synth.shard_size=3");
        assertEquals(0, b.code(), b::err);
        Path runB = otherRun(shared.resolve("runs/synth"), runA);
        assertEquals("reused", status(runB, "reverse"), "the reverse model is the same one");
        assertEquals(4, JSON.readTree(runB.resolve("synth/_SUCCESS.json").toFile()).get("metrics").get("shards").asInt());
        assertArrayEquals(Files.readAllBytes(candidates), Files.readAllBytes(runB.resolve("synth/candidates.jsonl")),
                "candidates.jsonl with batch_size 1 and shard_size 3 equals the one with 5 and 4");
    }

    @Test
    void candidateSeedsDependOnSeedSourceIdAndCandidateOnly() {
        long s = SynthesizeStage.candidateSeed(5, "a", 0);
        assertEquals(s, SynthesizeStage.candidateSeed(5, "a", 0));
        assertNotEquals(s, SynthesizeStage.candidateSeed(6, "a", 0));
        assertNotEquals(s, SynthesizeStage.candidateSeed(5, "b", 0));
        assertNotEquals(s, SynthesizeStage.candidateSeed(5, "a", 1));
        // Pinned (SHA-256 of "5\na\n0", first 8 bytes): a change would silently change every recipe's candidates.
        assertEquals(5869363832673968659L, s);
    }

    /** A model with room for 200 positions: responses are cut from the right until prompt + 24 new tokens fit. */
    @Test
    void responsesTooLongForTheModelAreCutToFitAndCounted(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("reverse");
        copyTree(runA.resolve("reverse"), model);
        Path config = model.resolve("model/config.json");
        ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
        c.put("max_position_embeddings", 200);
        Files.writeString(config, c.toPrettyString());
        Path work = Files.createDirectories(tmp.resolve("synth.partial"));
        SynthesizeConfig cfg = config("reverse", "pool", 2, 24, 4, 4, 0);
        StageResult result = new SynthesizeStage(cfg, 5).run(new StageContext("synth", work,
                Map.of("reverse", model, "pool", runA.resolve("pool")), false));
        System.out.println("with 200 positions: " + result.metrics());
        List<JsonNode> pool = jsonLines(runA.resolve("pool/data.jsonl"));
        List<JsonNode> lines = jsonLines(work.resolve("candidates.jsonl"));
        assertEquals(20, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(pool.get(i / 2).get("response").asText(), lines.get(i).get("response").asText());
        }

        // The same count, item by item, from the prompt builder; every cut prompt fits and keeps the response's start.
        int limit = 200 - 24, cut = 0;
        try (TextTokenizer tok = TextTokenizer.load(SAMPLES.resolve("tok512.bin"))) {
            ChatEncoder enc = new ChatEncoder(tok, ChatTemplate.forTokenizer("alpaca", tok));
            for (JsonNode item : pool) {
                String response = item.get("response").asText();
                SynthesizeStage.Prompt p = SynthesizeStage.prompt(response, enc, tok, limit);
                assertTrue(p.ids().length <= limit, p.ids().length + " tokens");
                if (!p.truncated()) continue;
                cut++;
                String text = tok.decode(p.ids());
                assertTrue(text.contains(response.substring(0, 40)), text);
                assertFalse(text.contains(response.substring(response.length() - 40)), text);
                assertTrue(p.ids().length > limit - 8, "cut close to the limit, not far below: " + p.ids().length);
            }
        }
        assertTrue(cut >= 5, "most OASST replies (200-1,500 characters) do not fit in 176 tokens: " + cut);
        assertEquals(cut, result.metrics().get("truncated_prompts").intValue());
    }

    @Test
    void aModelStageOfTheWrongDirectionOrAPoolThatIsNoDataStageFailsValidationNamingTheKey() throws IOException {
        Path r = Files.writeString(shared.resolve("bad.yaml"), recipe(10, "k: 2\n")
                .replace("direction: reverse", "direction: forward"));
        CliRun wrong = CliRun.of("validate", r.toString());
        assertEquals(2, wrong.code(), wrong.out());
        assertTrue(wrong.err().contains("stages.synth.model_stage: stage 'reverse' trains direction forward; expected a"
                + " train stage with direction: reverse"), wrong.err());

        Files.writeString(r, recipe(10, "k: 2\n").replace("pool_stage: pool", "pool_stage: reverse"));
        CliRun pool = CliRun.of("validate", r.toString());
        assertEquals(2, pool.code(), pool.out());
        assertTrue(pool.err().contains("stages.synth.pool_stage: stage 'reverse' is a train stage, which writes no"
                + " data.jsonl of pairs"), pool.err());

        Files.writeString(r, recipe(10, "k: 2\n").replace("model_stage: reverse", "model_stage: revers"));
        CliRun missing = CliRun.of("validate", r.toString());
        assertEquals(2, missing.code(), missing.out());
        assertTrue(missing.err().contains("revers"), missing.err());

        Files.writeString(r, recipe(10, "k: 2\ntemperature: 0\n"));
        CliRun greedy = CliRun.of("validate", r.toString());
        assertEquals(2, greedy.code(), greedy.out());
        assertTrue(greedy.err().contains("stages.synth: temperature: 0 (greedy) writes the same instruction 2 times"),
                greedy.err());

        Files.writeString(r, recipe(10, "top_p: 1.5\n"));
        CliRun topP = CliRun.of("validate", r.toString());
        assertEquals(2, topP.code(), topP.out());
        assertTrue(topP.err().contains("top_p: expected a number in (0, 1], found 1.5"), topP.err());

        Files.writeString(r, recipe(10, "k: 2\n"));
        CliRun good = CliRun.of("validate", r.toString());
        assertEquals(0, good.code(), good.err());
    }

    @Test
    void aPoolLineWithoutAResponseStopsNamingFileAndLineAndWritesNothing(@TempDir Path tmp) throws IOException {
        Path pool = Files.createDirectories(tmp.resolve("pool"));
        List<String> lines = new ArrayList<>(Files.readAllLines(runA.resolve("pool/data.jsonl")).subList(0, 3));
        ObjectNode second = (ObjectNode) JSON.readTree(lines.get(1));
        second.remove("response");
        lines.set(1, second.toString());
        Files.write(pool.resolve("data.jsonl"), lines);
        Path work = Files.createDirectories(tmp.resolve("synth.partial"));
        UserInputException e = assertThrows(UserInputException.class, () -> new SynthesizeStage(
                config("reverse", "pool", 1, 8, 4, 4, 0), 5).run(new StageContext("synth", work,
                Map.of("reverse", runA.resolve("reverse"), "pool", pool), false)));
        assertTrue(e.getMessage().startsWith("pool_stage 'pool': " + pool.resolve("data.jsonl") + ":2: missing field 'response'"),
                e.getMessage());
        assertFalse(Files.exists(work.resolve("candidates.jsonl")));
    }

    /** Leftover shards of an attempt with other inputs (here: no identity.json) are discarded, not mixed in. */
    @Test
    void shardsOfAnAttemptWithOtherInputsAreNotReused(@TempDir Path tmp) throws IOException {
        Path work = Files.createDirectories(tmp.resolve("synth.partial"));
        Path stale = SynthesizeStage.shardFile(work.resolve(SynthesizeStage.SHARDS), 0);
        Files.createDirectories(stale.getParent());
        Files.writeString(stale, "{\"id\": \"stale\"}\n");
        StageResult result = new SynthesizeStage(config("reverse", "pool", 1, 8, 4, 4, 6), 5).run(new StageContext("synth",
                work, Map.of("reverse", runA.resolve("reverse"), "pool", runA.resolve("pool")), true));
        assertEquals(0, result.metrics().get("shards_resumed").intValue());
        List<JsonNode> lines = jsonLines(work.resolve("candidates.jsonl"));
        assertEquals(6, lines.size(), "limit 6, k 1");
        for (JsonNode l : lines) assertNotEquals("stale", l.get("id").asText());
    }

    static SynthesizeConfig config(String model, String pool, int k, int maxNewTokens, int shardSize, int batchSize, int limit) {
        return new SynthesizeConfig(model, pool, k, 0.7, 0.9, maxNewTokens, List.of(), null, shardSize, batchSize, 1, limit, null);
    }

    static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) out.add(JSON.readTree(l));
        return out;
    }

    private static List<String> fieldNames(JsonNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The stage's status in the run's metrics.jsonl (ran, cached, reused). */
    private static String status(Path run, String stage) throws IOException {
        Map<String, String> byStage = new LinkedHashMap<>();
        for (JsonNode l : jsonLines(run.resolve(RunDirectory.METRICS))) byStage.put(l.get("stage").asText(), l.get("status").asText());
        return byStage.get(stage);
    }

    static Path onlyRun(Path recipeDir) throws IOException {
        try (Stream<Path> d = Files.list(recipeDir)) {
            List<Path> runs = d.filter(Files::isDirectory).toList();
            assertEquals(1, runs.size(), runs.toString());
            return runs.get(0);
        }
    }

    private static Path otherRun(Path recipeDir, Path not) throws IOException {
        try (Stream<Path> d = Files.list(recipeDir)) {
            return d.filter(p -> Files.isDirectory(p) && !p.equals(not)).findFirst().orElseThrow();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.sorted().toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
