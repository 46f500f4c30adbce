package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.mutual.experiments.pipeline.StageOutcome.Status.CACHED;
import static dev.mutual.experiments.pipeline.StageOutcome.Status.RAN;
import static dev.mutual.experiments.pipeline.StageOutcome.Status.REUSED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineTest {

    // SHA-256 of the expected outputs, computed independently with Python's hashlib.
    private static final String SHA_A = "ed0e187adf582d497932b7e66d32d799890c3bf022f5654e0b1659bad1172a2e";  // "HELLO MUTUAL\n!"
    private static final String SHA_B = "88c21077ab76045aed5d92c823206afb36558e12189ca264dc6307a208f062d7";  // "HELLO MUTUAL\n!?"
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    @TempDir
    Path tmp;
    Path input;
    Path runs;
    final AtomicInteger runsA = new AtomicInteger();
    final AtomicInteger runsB = new AtomicInteger();
    final AtomicInteger runsC = new AtomicInteger();

    @BeforeEach
    void setUp() throws IOException {
        input = Files.writeString(tmp.resolve("input.txt"), "hello mutual\n");
        runs = tmp.resolve("runs");
    }

    /** c reads b reads a; listed out of order to check that the pipeline orders them. */
    private Pipeline chain(String suffixC) {
        return new Pipeline(List.of(
                UpperCaseStage.after("c", "b", suffixC, runsC),
                UpperCaseStage.fromFile("a", input, "!", runsA),
                UpperCaseStage.after("b", "a", "?", runsB)));
    }

    private List<StageOutcome> run(Pipeline p, String resolvedRecipe, Set<String> force) throws IOException {
        try (RunDirectory run = RunDirectory.open(runs, "chain", resolvedRecipe, "# test\n", T0)) {
            return p.run(run, force);
        }
    }

    private static List<StageOutcome.Status> statuses(List<StageOutcome> outcomes) {
        return outcomes.stream().map(StageOutcome::status).toList();
    }

    private Path runDir(String resolvedRecipe) {
        return runs.resolve("chain").resolve("20260102-030405-" + ContentHash.of(resolvedRecipe).substring(0, 12));
    }

    @Test
    void runsInDependencyOrderAndWritesManifestsMetricsAndLog() throws IOException {
        List<StageOutcome> outcomes = run(chain("!"), "name: chain\n", Set.of());
        assertEquals(List.of("a", "b", "c"), outcomes.stream().map(StageOutcome::name).toList());
        assertEquals(List.of(RAN, RAN, RAN), statuses(outcomes));
        Path dir = runDir("name: chain\n");
        assertEquals("HELLO MUTUAL\n!?!", Files.readString(dir.resolve("c/out.txt")));
        assertEquals(Map.of("out.txt", SHA_A), Manifest.readFrom(dir.resolve("a")).outputs());
        assertEquals(Map.of("out.txt", SHA_B), Manifest.readFrom(dir.resolve("b")).outputs());
        assertEquals("# test\nname: chain\n", Files.readString(dir.resolve(RunDirectory.RESOLVED_RECIPE)));
        List<String> lines = Files.readAllLines(dir.resolve(RunDirectory.METRICS));
        assertEquals(3, lines.size());
        JsonNode b = new ObjectMapper().readTree(lines.get(1));
        assertEquals("b", b.get("stage").asText());
        assertEquals("ran", b.get("status").asText());
        assertEquals(14, b.get("metrics").get("chars").asInt());  // "HELLO MUTUAL\n!"
        String log = Files.readString(dir.resolve(RunDirectory.LOG));
        assertTrue(log.contains("stage 2/3 b (upper): running"), log);
        assertFalse(Files.exists(dir.resolve("a.partial")));
    }

    @Test
    void reRunReusesFinishedStagesAndForceRerunsDownstream() throws IOException {
        run(chain("!"), "name: chain\n", Set.of());
        assertEquals(List.of(CACHED, CACHED, CACHED), statuses(run(chain("!"), "name: chain\n", Set.of())));
        assertEquals(List.of(1, 1, 1), List.of(runsA.get(), runsB.get(), runsC.get()));

        assertEquals(List.of(CACHED, RAN, RAN), statuses(run(chain("!"), "name: chain\n", Set.of("b"))));
        assertEquals(List.of(1, 2, 2), List.of(runsA.get(), runsB.get(), runsC.get()));

        String msg = assertThrows(UserInputException.class, () -> run(chain("!"), "name: chain\n", Set.of("d"))).getMessage();
        assertEquals("--force d: no such stage (stages: a, b, c)", msg);
    }

    @Test
    void changedConfigOrInputReRunsOnlyWhatItReaches() throws IOException {
        run(chain("!"), "name: chain\n", Set.of());
        // Only c's config changed: a and b are cached.
        assertEquals(List.of(CACHED, CACHED, RAN), statuses(run(chain("#"), "name: chain\n", Set.of())));
        assertEquals("HELLO MUTUAL\n!?#", Files.readString(runDir("name: chain\n").resolve("c/out.txt")));
        // The input file's content changed: everything downstream of it reruns.
        Files.writeString(input, "hello again\n");
        assertEquals(List.of(RAN, RAN, RAN), statuses(run(chain("#"), "name: chain\n", Set.of())));
        // a reruns (its config text changed) but writes the same bytes: b and c, keyed on a's output hash, stay cached.
        PipelineStage aRewritten = new PipelineStage("a", "upper", "suffix: '!'", List.of(),
                new UpperCaseStage(input, null, "!", runsA));
        assertEquals(List.of(RAN, CACHED, CACHED), statuses(run(new Pipeline(List.of(aRewritten,
                UpperCaseStage.after("b", "a", "?", runsB), UpperCaseStage.after("c", "b", "#", runsC))), "name: chain\n", Set.of())));
    }

    @Test
    void aChangedRecipeGetsANewDirectoryAndReusesMatchingStages() throws IOException {
        run(chain("!"), "name: chain\n", Set.of());
        List<StageOutcome> second = run(chain("#"), "name: chain\nseed: 2\n", Set.of());
        assertEquals(List.of(REUSED, REUSED, RAN), statuses(second));
        assertNotEquals(runDir("name: chain\n"), runDir("name: chain\nseed: 2\n"));
        assertEquals(SHA_B, Manifest.readFrom(runDir("name: chain\nseed: 2\n").resolve("b")).outputs().get("out.txt"));
        assertEquals(1, runsB.get());
    }

    @Test
    void twoRunsCannotShareARunDirectory() throws IOException {
        try (RunDirectory first = RunDirectory.open(runs, "chain", "name: chain\n", "", T0)) {
            String msg = assertThrows(UserInputException.class, () -> RunDirectory.open(runs, "chain", "name: chain\n", "", T0)).getMessage();
            assertEquals(first.dir() + ": another mutual process is running this recipe in this directory", msg);
        }
    }

    @Test
    void cyclesAreRejected() {
        String msg = assertThrows(UserInputException.class, () -> new Pipeline(List.of(
                UpperCaseStage.after("x", "y", "", runsA), UpperCaseStage.after("y", "x", "", runsB)))).getMessage();
        assertEquals("stages form a cycle, so none of these can run first: x <- [y], y <- [x]", msg);
    }

    @Test
    void aFailedStageLeavesOnlyItsPartialFolderAndIsResumedNextTime() throws IOException {
        Stage failing = new Stage() {
            @Override
            public int codeVersion() {
                return 1;
            }

            @Override
            public List<Path> inputFiles() {
                return List.of();
            }

            @Override
            public StageResult run(StageContext ctx) throws IOException {
                Files.writeString(ctx.workDir().resolve("out.txt"), "HALF");
                throw new IOException("disk full");
            }
        };
        Pipeline broken = new Pipeline(List.of(new PipelineStage("a", "upper", "suffix: !", List.of(), failing)));
        assertEquals("disk full", assertThrows(IOException.class, () -> run(broken, "name: chain\n", Set.of())).getMessage());
        Path dir = runDir("name: chain\n");
        assertFalse(Files.exists(dir.resolve("a")));
        assertEquals("HALF", Files.readString(dir.resolve("a.partial/out.txt")));
        JsonNode failed = new ObjectMapper().readTree(Files.readAllLines(dir.resolve(RunDirectory.METRICS)).get(0));
        assertEquals("failed", failed.get("status").asText());
        assertEquals("disk full", failed.get("error").asText());

        assertEquals(List.of(RAN, RAN, RAN), statuses(run(chain("!"), "name: chain\n", Set.of())));
        assertEquals(Map.of("out.txt", SHA_A), Manifest.readFrom(dir.resolve("a")).outputs());
        assertTrue(Files.readString(dir.resolve(RunDirectory.LOG)).contains("stage 1/3 a (upper): running (cleared a.partial of an unfinished attempt)"));
    }

    @Test
    void aKilledRunLeavesNothingThatLooksFinished() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KilledRunMain.class.getName(), runs.toString(), input.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path dir = runs.resolve("killed").resolve("20260102-030405-" + ContentHash.of("name: killed\n").substring(0, 12));
        Path started = dir.resolve("blocking.partial/started");
        for (int i = 0; i < 600 && !Files.exists(started) && child.isAlive(); i++) Thread.sleep(100);
        assertTrue(Files.exists(started), () -> "child never reached the blocking stage: " + readQuietly(tmp.resolve("child.log")));
        child.destroyForcibly();  // SIGKILL: no shutdown hooks, no finally blocks
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));

        assertTrue(Files.exists(dir.resolve("upper/_SUCCESS.json")), "the stage that finished before the kill is published");
        assertFalse(Files.exists(dir.resolve("blocking")), "the killed stage has no finished folder");
        assertFalse(Files.exists(dir.resolve("blocking.partial/" + Manifest.FILE)));
        assertTrue(Files.exists(dir.resolve("blocking.partial/first-half.txt")));
        assertEquals(1, Files.readAllLines(dir.resolve(RunDirectory.METRICS)).size());

        BlockingStage resumed = new BlockingStage("upper", false);
        AtomicInteger upperRuns = new AtomicInteger();
        Pipeline again = new Pipeline(List.of(UpperCaseStage.fromFile("upper", input, "!", upperRuns),
                new PipelineStage("blocking", "blocking", "{}", List.of("upper"), resumed)));
        List<StageOutcome> outcomes;
        try (RunDirectory run = RunDirectory.open(runs, "killed", "name: killed\n", "", Instant.now())) {
            assertEquals(dir, run.dir());
            outcomes = again.run(run, Set.of());
        }
        assertEquals(List.of(CACHED, RAN), statuses(outcomes));
        assertEquals(0, upperRuns.get());
        assertTrue(resumed.resumedSeen);
        assertTrue(Files.readString(dir.resolve(RunDirectory.LOG)).contains("running (resuming from blocking.partial of an unfinished attempt)"));
        assertEquals("HELLO MUTUAL\n!", Files.readString(dir.resolve("blocking/first-half.txt"))
                + Files.readString(dir.resolve("blocking/second-half.txt")));
        assertFalse(Files.exists(dir.resolve("blocking/started")), "leftovers were cleared");
    }

    /** --no-resume: the leftovers of a resumable stage are cleared instead of handed over. */
    @Test
    void withoutResumeAResumableStageStartsOver() throws IOException {
        BlockingStage stage = new BlockingStage("upper", false);
        Pipeline pipeline = new Pipeline(List.of(UpperCaseStage.fromFile("upper", input, "!", new AtomicInteger()),
                new PipelineStage("blocking", "blocking", "{}", List.of("upper"), stage)));
        try (RunDirectory run = RunDirectory.open(runs, "fresh", "name: fresh\n", "", Instant.now())) {
            Files.createDirectories(run.dir().resolve("blocking.partial"));
            Files.writeString(run.dir().resolve("blocking.partial/checkpoint-3"), "an earlier attempt's");
            assertEquals(List.of(RAN, RAN), statuses(pipeline.run(run, Set.of(), false)));
            assertFalse(stage.resumedSeen);
            assertFalse(Files.exists(run.dir().resolve("blocking/checkpoint-3")));
            assertTrue(Files.readString(run.dir().resolve(RunDirectory.LOG))
                    .contains("stage 2/2 blocking (blocking): running (cleared blocking.partial of an unfinished attempt)"));
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
