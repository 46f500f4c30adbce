package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.read.DataReader;
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.experiments.main.PairScorer;
import dev.mutual.experiments.main.TinyMainModels;
import dev.mutual.experiments.recipe.ScorePairsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stage score_pairs on a candidates.jsonl written here in the synthesize stage's format (each pool response with
 * its gold instruction, another item's, and an empty one), with the models of {@link TinyMainModels}.
 */
class ScorePairsStageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static Path models;
    static List<Example> pool;

    @TempDir
    Path tmp;

    @BeforeAll
    static void train() throws IOException {
        models = TinyMainModels.models();
        pool = DataReader.read(models.resolve("pool/data.jsonl"), DataReader.Options.defaults()).examples();
    }

    /** Three candidates per source (gold instruction, a neighbour's, empty) for the first {@code sources} items. */
    private Path candidates(int sources) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("synthesize"));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < sources; i++) {
            Example e = pool.get(i);
            String[] instructions = {e.goldInstruction(), pool.get(i + 1).goldInstruction(), ""};
            for (int c = 0; c < 3; c++) {
                ObjectNode line = JSON.createObjectNode();
                line.put("id", e.id() + "#r1c" + c).put("source_id", e.id()).put("round", 1).put("candidate", c)
                        .put("instruction", instructions[c]).put("response", e.response())
                        .put("gold_instruction", e.goldInstruction()).put("finish", "stop_token").put("new_tokens", 12);
                out.append(line).append('\n');
            }
        }
        Files.writeString(dir.resolve("candidates.jsonl"), out);
        return dir;
    }

    private StageResult run(ScorePairsConfig config, Path candidates, Path work, boolean resumed) throws IOException {
        Files.createDirectories(work);
        return new ScorePairsStage(config).run(new StageContext("score", work, Map.of("cands", candidates,
                "forward", models.resolve("forward"), "reverse", models.resolve("reverse")), resumed));
    }

    private static List<ObjectNode> lines(Path file) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) out.add((ObjectNode) JSON.readTree(l));
        return out;
    }

    @Test
    void scoresEveryCandidateKeepsItsProvenanceAndMarksTheBest() throws IOException {
        Path cands = candidates(7);
        Path work = tmp.resolve("score");
        StageResult result = run(new ScorePairsConfig("cands", "forward", "reverse", 3, 4, "mutual", null), cands, work, false);
        List<ObjectNode> in = lines(cands.resolve("candidates.jsonl"));
        List<ObjectNode> out = lines(work.resolve("scores.jsonl"));
        assertEquals(in.size(), out.size());
        assertFalse(Files.exists(work.resolve("shards")), "shards/ is removed at the end");

        // The same pairs scored at once, in one call and another batch size: the shards change nothing.
        List<PairScorer.Pair> pairs = new ArrayList<>();
        for (ObjectNode l : in) pairs.add(new PairScorer.Pair(l.get("id").asText(), l.get("instruction").asText(), l.get("response").asText()));
        List<PairScorer.Scores> direct;
        try (TrainedModel f = TrainedModel.open(models.resolve("forward")); TrainedModel r = TrainedModel.open(models.resolve("reverse"))) {
            direct = new PairScorer(f, r, 16).score(pairs, null).scores();
        }
        Map<String, Integer> bestPerSource = new HashMap<>();
        for (int i = 0; i < out.size(); i++) {
            ObjectNode o = out.get(i);
            in.get(i).fields().forEachRemaining(f -> assertEquals(f.getValue(), o.get(f.getKey()), "provenance field " + f.getKey()));
            PairScorer.Scores s = direct.get(i);
            if (in.get(i).get("instruction").asText().isEmpty()) {
                assertFalse(o.get("scorable").asBoolean());
                assertTrue(o.get("forward_pmi").isNull() && o.get("mutual").isNull() && o.get("response_tokens").isNull());
                assertFalse(o.get("best").asBoolean());
                continue;
            }
            assertTrue(o.get("scorable").asBoolean());
            assertEquals(s.forwardLogprob(), o.get("forward_logprob").asDouble());
            assertEquals(s.responseLogprob(), o.get("response_logprob").asDouble());
            assertEquals(s.reverseLogprob(), o.get("reverse_logprob").asDouble());
            assertEquals(s.instructionLogprob(), o.get("instruction_logprob").asDouble());
            assertEquals(s.responseTokens(), o.get("response_tokens").asInt());
            assertEquals(s.instructionTokens(), o.get("instruction_tokens").asInt());
            assertEquals(s.forwardPmi(), o.get("forward_pmi").asDouble());
            assertEquals(s.reversePmi(), o.get("reverse_pmi").asDouble());
            assertEquals(s.mutual(), o.get("mutual").asDouble());
            assertEquals(s.ifd(), o.get("ifd").asDouble());
            if (o.get("best").asBoolean()) {
                assertEquals(null, bestPerSource.put(o.get("source_id").asText(), i), "one best per source");
            }
        }
        assertEquals(7, bestPerSource.size(), "every source has a best candidate");
        int goldBest = 0;
        for (Map.Entry<String, Integer> b : bestPerSource.entrySet()) {
            int i = b.getValue();
            int other = i % 3 == 0 ? i + 1 : i - 1;  // the other scorable candidate of the source
            assertTrue(out.get(i).get("mutual").asDouble() >= out.get(other).get("mutual").asDouble(), "best = highest mutual");
            if (i % 3 == 0) goldBest++;
        }
        System.out.println("score_pairs: the gold instruction is the best of 2 candidates for " + goldBest + " of 7 responses; metrics "
                + result.metrics());
        assertEquals(21, result.metrics().get("pairs"));
        assertEquals(14, result.metrics().get("scorable"));
        assertEquals(7, result.metrics().get("best"));
        assertTrue(result.metrics().get("tokens_per_s").doubleValue() > 0);
        assertTrue(Double.isFinite(result.metrics().get("mean_forward_pmi").doubleValue()));
    }

    /** keep_best on hand-made lines: highest score, ties to the earlier line, unscorable never, "first". */
    @Test
    void bestIsTheHighestScorableCandidateOfEachSource() {
        List<ObjectNode> lines = new ArrayList<>();
        Object[][] rows = {{"a", true, 0.5}, {"a", true, 0.9}, {"a", false, null}, {"b", true, 0.2}, {"b", true, 0.2},
                {"c", false, null}};
        for (Object[] r : rows) {
            ObjectNode o = JSON.createObjectNode().put("source_id", (String) r[0]).put("scorable", (Boolean) r[1]);
            if (r[2] == null) o.putNull("mutual");
            else o.put("mutual", (Double) r[2]);
            lines.add(o);
        }
        assertEquals(java.util.Set.of(1, 3), best(lines, "mutual"));
        assertEquals(java.util.Set.of(0, 3), best(lines, "first"));
    }

    private static java.util.Set<Integer> best(List<ObjectNode> lines, String keepBest) {
        ScorePairsStage.Best best = new ScorePairsStage.Best(keepBest);
        for (int i = 0; i < lines.size(); i++) best.offer(i, lines.get(i));
        return best.chosen();
    }

    /**
     * A child JVM is killed (Runtime.halt, as SIGKILL) once two shards are written. The rerun keeps them (a marker
     * written into shard 0 after the kill survives: it was not scored again), scores the rest, and ends with every
     * candidate once, in order, with the scores of an uninterrupted run.
     */
    @Test
    void aKilledRunResumesWithoutRedoingFinishedShards() throws Exception {
        Path cands = candidates(10);
        Path straight = tmp.resolve("straight");
        run(new ScorePairsConfig("cands", "forward", "reverse", 3, 2, "mutual", null), cands, straight, false);

        Path work = Files.createDirectories(tmp.resolve("killed"));
        Path log = tmp.resolve("child.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());  // heap bound, Vector API module
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                ScorePairsKilledMain.class.getName(), cands.toString(), models.resolve("forward").toString(),
                models.resolve("reverse").toString(), work.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(300, TimeUnit.SECONDS), "child still running");
        assertEquals(137, child.exitValue(), () -> "killed after two shards:\n" + read(log));
        Path shards = work.resolve("shards");
        int finished = 0;
        for (int i = 0; i < 15; i++) if (Files.exists(ScorePairsStage.shardFile(shards, i))) finished++;
        assertTrue(finished >= 2 && finished < 15, finished + " shards finished");
        assertFalse(Files.exists(work.resolve("scores.jsonl")));

        Path shard0 = ScorePairsStage.shardFile(shards, 0);
        List<ObjectNode> first = lines(shard0);
        first.get(0).put("marker", "kept");
        ScorePairsStage.writeLines(shard0, first);
        StageResult resumed = run(new ScorePairsConfig("cands", "forward", "reverse", 3, 2, "mutual", null), cands, work, true);
        assertEquals(finished, resumed.metrics().get("shards_resumed"));
        List<ObjectNode> expected = lines(straight.resolve("scores.jsonl"));
        List<ObjectNode> got = lines(work.resolve("scores.jsonl"));
        assertEquals("kept", got.get(0).get("marker").asText(), "shard 0 was kept, not scored again");
        got.get(0).remove("marker");
        assertEquals(expected, got, "every candidate once, in order, with the uninterrupted run's scores");

        // Leftovers of a run on other inputs (here: another shard size) are cleared, not reused.
        Path other = Files.createDirectories(tmp.resolve("other/shards"));
        Files.writeString(other.resolve("identity.txt"), "code 1\nshard_size 5\n");
        Files.writeString(other.resolve("shard-00000.jsonl"), "{\"id\": \"stale\"}\n");
        run(new ScorePairsConfig("cands", "forward", "reverse", 3, 2, "mutual", null), cands, tmp.resolve("other"), true);
        assertEquals(expected, lines(tmp.resolve("other/scores.jsonl")));
    }

    @Test
    void badCandidateLinesStopNamingFileAndLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Path file = dir.resolve("candidates.jsonl");
        Files.writeString(file, "{\"id\": \"a\", \"source_id\": \"s\", \"instruction\": \"Q?\", \"response\": \"A.\"}\n"
                + "{\"id\": \"b\", \"source_id\": \"s\", \"response\": \"A.\"}\n");
        ScorePairsConfig config = new ScorePairsConfig("cands", "forward", "reverse", 3, 2, "mutual", null);
        UserInputException e = assertThrows(UserInputException.class, () -> run(config, dir, tmp.resolve("w1"), false));
        assertTrue(e.getMessage().startsWith(file + ":2: expected a string field \"instruction\""), e.getMessage());
        Files.writeString(file, "{\"id\": \"a\", \"source_id\": \"s\", \"instruction\": \"Q?\", \"response\": \"A.\"}\n"
                + "{\"id\": \"a\", \"source_id\": \"s\", \"instruction\": \"Q?\", \"response\": \"A.\"}\n");
        e = assertThrows(UserInputException.class, () -> run(config, dir, tmp.resolve("w2"), false));
        assertTrue(e.getMessage().startsWith(file + ":2: id \"a\" appears twice"), e.getMessage());
    }

    /** Validation names the key when a stage is of the wrong kind or direction. */
    @Test
    void validateRefusesStagesOfTheWrongKind() throws IOException {
        String wrongCandidates = TinyMainModels.recipe("""
                  score:
                    type: score_pairs
                    candidates_stage: pool
                    forward_stage: forward
                    reverse_stage: reverse
                """);
        assertValidateFails(wrongCandidates, "stages.score.candidates_stage: stage 'pool' is a prepare_data stage; expected a"
                + " synthesize stage (its candidates.jsonl)");
        assertValidateFails(wrongCandidates.replace("candidates_stage: pool", "candidates_stage: synth"),
                "stage 'score' reads from stage 'synth', which the recipe does not define");
        String swapped = TinyMainModels.recipe("""
                  diag:
                    type: diagnose
                    pool_stage: pool
                    forward_stage: reverse
                    reverse_stage: forward
                """);
        assertValidateFails(swapped, "stages.diag.forward_stage: stage 'reverse' trains direction reverse; expected a train"
                + " stage with direction: forward");
        assertValidateFails(swapped.replace("forward_stage: reverse", "forward_stage: forward"),
                "stages.diag.reverse_stage: stage 'forward' trains direction forward; expected a train stage with direction: reverse");
        assertValidateFails(swapped.replace("pool_stage: pool", "pool_stage: forward"), "stages.diag.pool_stage: stage 'forward' is a train stage");
    }

    private void assertValidateFails(String recipe, String message) throws IOException {
        Path file = Files.writeString(Files.createTempFile(tmp, "recipe", ".yaml"), recipe);
        CliRun run = CliRun.of("validate", file.toString());
        assertEquals(2, run.code(), run.out());
        assertTrue(run.err().contains(message), run.err());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
