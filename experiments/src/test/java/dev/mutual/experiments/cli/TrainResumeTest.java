package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs that survive, through {@code mutual train --recipe}: a real {@code mutual} process killed with SIGKILL and
 * rerun continues from its checkpoint and ends exactly where an uninterrupted run ends; a changed input refuses
 * to resume; early stopping and load_best from recipe keys.
 */
class TrainResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The tiny recipe made small: 4 steps of 2 rows, a checkpoint and a validation every 2 steps. */
    private List<String> args(Path runs, Path data, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--recipe", TrainCommandTest.TRAIN_TINY.toString(),
                "paths.runs=" + runs, "data=" + data, "steps=4", "warmup_steps=1", "micro_batch=2", "seq_len=128",
                "checkpoint_every=2", "eval_every=2", "eval_fraction=0.02"));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void aTrainRunKilledWithSigkillResumesToTheSameLossesAsAnUninterruptedRun() throws Exception {
        Path data = tmp.resolve("data.jsonl");
        Files.copy(Path.of("../samples/seed_dolly_open_qa.jsonl"), data);
        CliRun straight = CliRun.of(args(tmp.resolve("straight"), data).toArray(String[]::new));
        assertEquals(0, straight.code(), straight.err());
        Path straightDir = trainDir(tmp.resolve("straight"), "train");

        // A child JVM runs the same command and is killed once checkpoint-2 is complete.
        Path runs = tmp.resolve("killed");
        Path log = tmp.resolve("child.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());  // surefire's heap bound and ND4J flags
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                MutualCli.class.getName()));
        command.addAll(args(runs, data));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.isDirectory(checkpoint(runs, 2))) {
            assertTrue(child.isAlive(), () -> "the child ended before checkpoint-2:\n" + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "no checkpoint-2 after 180 s:\n" + read(log));
            Thread.sleep(20);
        }
        child.destroyForcibly();  // SIGKILL: no shutdown hooks, no finally blocks
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        Path partial = trainDir(runs, "train.partial");
        assertFalse(Files.exists(partial.resolveSibling("train")), "nothing published");

        // The data changed since the run started: resuming is refused, naming what changed and the way out.
        Files.writeString(data, Files.readAllLines(data).get(0) + "\n", java.nio.file.StandardOpenOption.APPEND);
        CliRun refused = CliRun.of(args(runs, data).toArray(String[]::new));
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().contains("the interrupted run cannot be resumed, because data_sha256 differs from when it"
                + " started"), refused.err());
        assertTrue(refused.err().contains("Rerun with --no-resume"), refused.err());
        assertTrue(Files.isDirectory(checkpoint(runs, 2)), "a refusal keeps the checkpoints");

        // The same data again: the rerun continues from step 2 and ends exactly as the uninterrupted run.
        Files.copy(Path.of("../samples/seed_dolly_open_qa.jsonl"), data, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun resumed = CliRun.of(args(runs, data).toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resumed_from=2"), resumed.out());
        Path dir = trainDir(runs, "train");
        assertArrayEquals(column(straightDir.resolve("metrics.jsonl"), "loss"), column(dir.resolve("metrics.jsonl"), "loss"),
                "per-step losses 1..4 (steps 1-2 from the killed process, 3-4 after the resume)");
        assertArrayEquals(column(straightDir.resolve("metrics.jsonl"), "step"), column(dir.resolve("metrics.jsonl"), "step"));
        assertArrayEquals(column(straightDir.resolve("validation.jsonl"), "eval_loss"),
                column(dir.resolve("validation.jsonl"), "eval_loss"), "validation losses at steps 2 and 4");
        assertArrayEquals(Files.readAllBytes(straightDir.resolve("model/model.safetensors")),
                Files.readAllBytes(dir.resolve("model/model.safetensors")), "the final weights");
        assertTrue(Files.size(dir.resolve("training.png")) > 0);
    }

    /**
     * A validation loss that never improves by 100 stops the run at its second validation; load_best keeps step 1.
     * Validation on eval_data: three rows of their own file.
     */
    @Test
    void earlyStoppingAndLoadBestFromRecipeKeys() throws IOException {
        Path data = Path.of("../samples/seed_dolly_open_qa.jsonl").toAbsolutePath();
        Path eval = tmp.resolve("eval.jsonl");
        Files.write(eval, Files.readAllLines(data).subList(0, 3));
        Path runs = tmp.resolve("runs");
        CliRun run = CliRun.of("train", "--recipe", TrainCommandTest.TRAIN_TINY.toString(), "paths.runs=" + runs,
                "data=" + data, "steps=20", "warmup_steps=0", "micro_batch=2", "seq_len=128", "eval_every=1",
                "eval_data=" + eval, "checkpoint_every=1", "keep_checkpoints=1", "early_stopping_patience=1",
                "early_stopping_min_delta=100", "load_best=true");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("steps=2, "), run.out());
        assertTrue(run.out().contains("best_step=1, "), run.out());
        assertTrue(run.out().contains("stopped_early=1, model_step=1, "), run.out());
        Path dir = trainDir(runs, "train");
        assertEquals(2, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
        List<String> validations = Files.readAllLines(dir.resolve("validation.jsonl"));
        assertEquals(2, validations.size());
        assertTrue(JSON.readTree(validations.get(1)).get("stop_early").booleanValue(), validations.get(1));
        // keep 1: the last checkpoint, and the best step's, which model/ holds.
        assertTrue(Files.isDirectory(dir.resolve("checkpoint-1")) && Files.isDirectory(dir.resolve("checkpoint-2")));
        var model = dev.mutual.trainer.checkpoint.Safetensors.read(dir.resolve("model/model.safetensors"));
        var best = dev.mutual.trainer.checkpoint.Safetensors.read(dir.resolve("checkpoint-1/trainable.safetensors"));
        var last = dev.mutual.trainer.checkpoint.Safetensors.read(dir.resolve("checkpoint-2/trainable.safetensors"));
        String name = "model.layers.0.self_attn.q_proj.weight";
        assertArrayEquals(best.get(name).values(), model.get(name).values(), "model/ holds step 1's weights");
        assertFalse(java.util.Arrays.equals(last.get(name).values(), model.get(name).values()), "not step 2's");
    }

    @Test
    void inconsistentRunKeysAreRefusedNamingTheKey() {
        String recipe = TrainCommandTest.TRAIN_TINY.toString();
        CliRun noRows = CliRun.of("validate", recipe, "eval_every=5");
        assertEquals(2, noRows.code());
        assertTrue(noRows.err().contains("eval_every: 5 needs validation rows: set 'eval_fraction: 0.05'"), noRows.err());
        CliRun best = CliRun.of("validate", recipe, "eval_every=5", "eval_fraction=0.1", "checkpoint_every=2", "load_best=true");
        assertEquals(2, best.code());
        assertTrue(best.err().contains("load_best: needs a checkpoint at every validation"), best.err());
        CliRun both = CliRun.of("validate", recipe, "eval_every=5", "eval_fraction=0.1",
                "eval_data=../samples/seed_dolly_open_qa.jsonl");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("expected at most one of 'eval_fraction' and 'eval_data', found both"), both.err());
        CliRun patience = CliRun.of("validate", recipe, "early_stopping_patience=2");
        assertEquals(2, patience.code());
        assertTrue(patience.err().contains("early_stopping_patience: needs validation"), patience.err());
    }

    private static Path checkpoint(Path runs, int step) throws IOException {
        Path recipeDir = runs.resolve("train_tiny");
        if (!Files.isDirectory(recipeDir)) return recipeDir.resolve("none");
        try (Stream<Path> d = Files.list(recipeDir)) {
            return d.findFirst().map(p -> p.resolve("train.partial/checkpoint-" + step)).orElse(recipeDir.resolve("none"));
        }
    }

    private static Path trainDir(Path runs, String name) throws IOException {
        try (Stream<Path> d = Files.list(runs.resolve("train_tiny"))) {
            return d.findFirst().orElseThrow().resolve(name);
        }
    }

    private static double[] column(Path jsonl, String key) throws IOException {
        List<String> lines = Files.readAllLines(jsonl);
        double[] out = new double[lines.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = JSON.readTree(lines.get(i));
            out[i] = n.get(key).doubleValue();
        }
        return out;
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no output)";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
