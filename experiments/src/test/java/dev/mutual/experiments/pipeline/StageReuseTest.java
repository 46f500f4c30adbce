package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.mutual.experiments.pipeline.StageOutcome.Status.CACHED;
import static dev.mutual.experiments.pipeline.StageOutcome.Status.RAN;
import static dev.mutual.experiments.pipeline.StageOutcome.Status.REUSED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reuse of a finished stage folder by cache key: within a run, and across recipes under one runs root. */
class StageReuseTest {

    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Path input;
    Path runs;
    final AtomicInteger upperRuns = new AtomicInteger();
    List<StageOutcome> lastOutcomes;

    @BeforeEach
    void setUp() throws IOException {
        input = Files.writeString(tmp.resolve("input.txt"), "hello mutual\n");
        runs = tmp.resolve("runs");
    }

    private Path run(String recipe, PipelineStage... stages) throws IOException {
        try (RunDirectory run = RunDirectory.open(runs, recipe, "name: " + recipe + "\n", "", T0)) {
            lastOutcomes = new Pipeline(List.of(stages)).run(run, Set.of());
            return run.dir();
        }
    }

    private List<StageOutcome.Status> statuses() {
        return lastOutcomes.stream().map(StageOutcome::status).toList();
    }

    private PipelineStage upper(String name, String suffix) {
        return UpperCaseStage.fromFile(name, input, suffix, upperRuns);
    }

    private static JsonNode metricsLine(Path runDir, int i) throws IOException {
        return JSON.readTree(Files.readAllLines(runDir.resolve(RunDirectory.METRICS)).get(i));
    }

    @Test
    void anotherRecipesStageWithTheSameKeyIsLinkedUnderTheNewName() throws IOException {
        Path first = run("base_models", upper("base_llama_s", "!"));
        Path source = first.resolve("base_llama_s");
        String sourceManifest = Files.readString(source.resolve(Manifest.FILE));

        Path second = run("t1_main", upper("base", "!"));
        assertEquals(List.of(REUSED), statuses());
        assertEquals(1, upperRuns.get());
        Path reused = second.resolve("base");
        assertEquals("HELLO MUTUAL\n!", Files.readString(reused.resolve("out.txt")));
        assertTrue(Files.isSameFile(source.resolve("out.txt"), reused.resolve("out.txt")), "hard-linked");
        // The copy's manifest names the new stage; the source's is a separate file, unchanged.
        assertEquals("base", Manifest.readFrom(reused).stage());
        assertFalse(Files.isSameFile(source.resolve(Manifest.FILE), reused.resolve(Manifest.FILE)));
        assertEquals(sourceManifest, Files.readString(source.resolve(Manifest.FILE)));
        assertEquals(Manifest.readFrom(source).outputs(), Manifest.readFrom(reused).outputs());
        assertEquals(Manifest.readFrom(source).cacheKey(), Manifest.readFrom(reused).cacheKey());

        JsonNode line = metricsLine(second, 0);
        assertEquals("reused", line.get("status").asText());
        assertEquals(source.toString(), line.get("reused_from").asText());
        assertTrue(Files.readString(second.resolve(RunDirectory.LOG)).contains("reusing " + source + " (same cache key)"));

        // The renamed manifest validates for the new name: a rerun finds it cached.
        run("t1_main", upper("base", "!"));
        assertEquals(List.of(CACHED), statuses());
        assertFalse(metricsLine(second, 1).has("reused_from"));
    }

    @Test
    void withinARunAStageWithTheSameKeyIsReusedFromTheOneFinishedBefore() throws IOException {
        Path dir = run("main", upper("forward_r0_a", "!"), upper("forward_r0_b", "!"), upper("reverse_r0", "?"));
        assertEquals(List.of(RAN, REUSED, RAN), statuses());
        assertEquals(2, upperRuns.get());
        assertTrue(Files.isSameFile(dir.resolve("forward_r0_a/out.txt"), dir.resolve("forward_r0_b/out.txt")));
        assertEquals("forward_r0_b", Manifest.readFrom(dir.resolve("forward_r0_b")).stage());
        assertEquals("forward_r0_a", Manifest.readFrom(dir.resolve("forward_r0_a")).stage());
        assertEquals(dir.resolve("forward_r0_a").toString(), metricsLine(dir, 1).get("reused_from").asText());

        run("main", upper("forward_r0_a", "!"), upper("forward_r0_b", "!"), upper("reverse_r0", "?"));
        assertEquals(List.of(CACHED, CACHED, CACHED), statuses());
        assertEquals(2, upperRuns.get());
    }

    @Test
    void aChangedConfigIsNotReused() throws IOException {
        run("base_models", upper("base", "!"));
        Path second = run("t1_main", upper("base", "#"));
        assertEquals(List.of(RAN), statuses());
        assertEquals(2, upperRuns.get());
        assertEquals("HELLO MUTUAL\n#", Files.readString(second.resolve("base/out.txt")));
        assertNull(metricsLine(second, 0).get("reused_from"));
    }

    @Test
    void partialFoldersFoldersWithoutAManifestAndIncompleteFoldersAreNeverReused() throws IOException {
        Path first = run("base_models", upper("base", "!"));
        Path finished = first.resolve("base");
        // Same key, but each is unfinished in its own way; then the only finished folder goes away.
        Path other = runs.resolve("other").resolve("20260101-000000-0123456789ab");
        copy(finished, other.resolve("partial.partial"));
        copy(finished, other.resolve("no_manifest"));
        Files.delete(other.resolve("no_manifest").resolve(Manifest.FILE));
        copy(finished, other.resolve("missing_output"));
        Files.delete(other.resolve("missing_output/out.txt"));
        copy(finished, other.resolve("garbled_manifest"));
        Files.writeString(other.resolve("garbled_manifest").resolve(Manifest.FILE), "{not json");
        Pipeline.deleteTree(finished);

        Path second = run("t1_main", upper("base", "!"));
        assertEquals(List.of(RAN), statuses());
        assertEquals(2, upperRuns.get());
        assertNull(metricsLine(second, 0).get("reused_from"));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }
}
