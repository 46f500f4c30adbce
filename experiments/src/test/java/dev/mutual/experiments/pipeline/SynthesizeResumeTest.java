package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.experiments.cli.MutualCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@code mutual run} process killed with SIGKILL in the middle of synthesis (some shards written, not all)
 * and run again: the finished shards are kept, not generated again, the missing ones are generated, and
 * candidates.jsonl equals an uninterrupted run's byte for byte, with k lines per pool item and no id twice.
 */
class SynthesizeResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int POOL = 40, SHARD = 2, SHARDS = POOL / SHARD, K = 2;

    @TempDir
    Path tmp;

    @Test
    void aRunKilledMidSynthesisResumesWithoutRedoingFinishedShards() throws Exception {
        Path recipe = Files.writeString(tmp.resolve("synth.yaml"), SynthesizeStageTest.recipe(POOL, """
                k: %d
                max_new_tokens: 24
                shard_size: %d
                batch_size: 4
                """.formatted(K, SHARD)));
        Path runs = tmp.resolve("runs");
        List<String> args = List.of("run", recipe.toString(), "paths.runs=" + runs);

        // A child JVM runs the recipe and is killed once some shards, not all, are on disk.
        Path log = tmp.resolve("child.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());  // surefire's heap bound and ND4J flags
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                MutualCli.class.getName()));
        command.addAll(args);
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (shardFiles(runs).size() < 2) {
            assertTrue(child.isAlive(), () -> "the child ended before writing 2 shards:\n" + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "no 2 shards after 300 s:\n" + read(log));
            Thread.sleep(10);
        }
        child.destroyForcibly();  // SIGKILL: no shutdown hooks, no finally blocks
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        Set<String> finished = shardFiles(runs);
        System.out.println("killed with " + finished.size() + " of " + SHARDS + " shards written: " + finished);
        assertTrue(finished.size() < SHARDS, "killed before synthesis ended: " + finished);
        Path run = SynthesizeStageTest.onlyRun(runs.resolve("synth"));
        assertFalse(Files.exists(run.resolve("synth")), "nothing published");

        // The same command again: prepare and train are cached, synthesis keeps the finished shards.
        CliRun resumed = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed::err);
        String all = Files.readString(run.resolve(RunDirectory.LOG));
        String rerun = all.substring(all.lastIndexOf(" resuming run\n"));
        assertTrue(rerun.contains("synth: resuming: " + finished.size() + " finished shards of the interrupted attempt kept"), rerun);
        for (int s = 0; s < SHARDS; s++) {
            String name = SynthesizeStage.shardFile(Path.of(""), s).toString();
            int written = count(rerun, "synth: " + name + " written");
            assertEquals(finished.contains(name) ? 0 : 1, written, name + " generated again? " + finished);
        }
        JsonNode metrics = JSON.readTree(run.resolve("synth/_SUCCESS.json").toFile()).get("metrics");
        assertEquals(finished.size(), metrics.get("shards_resumed").asInt());
        assertEquals(POOL * K, metrics.get("candidates").asInt());

        // An uninterrupted run (another batch size, so a new run directory; its upstream stages are reused).
        CliRun straight = CliRun.of("run", recipe.toString(), "paths.runs=" + runs, "stages.synth.batch_size=3");
        assertEquals(0, straight.code(), straight::err);
        Path other;
        try (Stream<Path> d = Files.list(runs.resolve("synth"))) {
            other = d.filter(p -> Files.isDirectory(p) && !p.equals(run)).findFirst().orElseThrow();
        }
        byte[] expected = Files.readAllBytes(other.resolve("synth/candidates.jsonl"));
        byte[] got = Files.readAllBytes(run.resolve("synth/candidates.jsonl"));
        assertArrayEquals(expected, got, "the resumed candidates.jsonl equals the uninterrupted run's");

        // No line lost or doubled: k candidates 0..k-1 for every pool item, every id once.
        Map<String, Set<Integer>> bySource = new HashMap<>();
        Set<String> ids = new HashSet<>();
        for (JsonNode c : SynthesizeStageTest.jsonLines(run.resolve("synth/candidates.jsonl"))) {
            assertTrue(ids.add(c.get("id").asText()), "duplicate id " + c.get("id"));
            bySource.computeIfAbsent(c.get("source_id").asText(), x -> new TreeSet<>()).add(c.get("candidate").asInt());
        }
        List<JsonNode> pool = SynthesizeStageTest.jsonLines(run.resolve("pool/data.jsonl"));
        assertEquals(POOL, pool.size());
        for (JsonNode item : pool) assertEquals(Set.of(0, 1), bySource.get(item.get("id").asText()), item.get("id").asText());
        assertEquals(POOL, bySource.size());
    }

    /** Names of the shard files in the run's synth.partial/shards/ (temp files of an unfinished write excluded). */
    private static Set<String> shardFiles(Path runs) throws IOException {
        Path recipeDir = runs.resolve("synth");
        if (!Files.isDirectory(recipeDir)) return Set.of();
        Set<String> names = new TreeSet<>();
        try (Stream<Path> d = Files.list(recipeDir)) {
            for (Path run : d.toList()) {
                Path shards = run.resolve("synth.partial/shards");
                if (!Files.isDirectory(shards)) continue;
                try (Stream<Path> files = Files.list(shards)) {
                    for (Path f : files.toList()) {
                        String n = f.getFileName().toString();
                        if (n.startsWith("shard-") && n.endsWith(".jsonl")) names.add(n);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // the folder went away between the check and the listing (renamed on success)
                }
            }
        }
        return names;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) n++;
        return n;
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no output)";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
