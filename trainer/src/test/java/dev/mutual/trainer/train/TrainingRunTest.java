package dev.mutual.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraWeights;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs that survive: kill -9 and exact resume, keep-last-K, atomic checkpoints, refusals, NaN, early stopping. */
class TrainingRunTest {

    @TempDir
    Path tmp;

    /** Per-step losses of a run, in order. */
    private static final class Losses implements RunListener {
        final List<Double> losses = new ArrayList<>();
        final List<Validation> validations = new ArrayList<>();

        @Override
        public void onStep(TrainStep s) {
            losses.add(s.loss());
        }

        @Override
        public void onValidation(Validation v) {
            validations.add(v);
        }

        double[] array() {
            return losses.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    private static double[] range(double[] a, int fromStep, int toStep) {
        return Arrays.copyOfRange(a, fromStep - 1, toStep);
    }

    /**
     * The acceptance test: a child JVM trains 20 steps with a checkpoint every 5 and is killed with SIGKILL
     * once checkpoint-10 exists; resuming to step 20 gives exactly (==) the per-step losses, and the final weights
     * and optimizer state byte for byte, of a run never interrupted.
     */
    @Test
    void killedAndResumedRunEqualsUninterruptedRun() throws Exception {
        Losses straight = new Losses();
        Path straightDir = tmp.resolve("straight");
        TinyRun.run(straightDir, 5, 20, false, straight);

        Path dir = tmp.resolve("killed");
        Path lossFile = tmp.resolve("child-losses.txt");
        Path log = tmp.resolve("child.log");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The same JVM flags as this one (surefire's argLine: heap bound, ND4J settings, Vector API).
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", classPath, TinyRun.class.getName(), dir.toString(), lossFile.toString(), "20",
                "5", "300", "10"));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Path ten = dir.resolve("checkpoint-10").resolve(RunCheckpoints.STATE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(ten)) {
            assertTrue(child.isAlive(), () -> "the child ended before checkpoint-10:\n" + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "no checkpoint-10 after 120 s:\n" + read(log));
            Thread.sleep(10);
        }
        child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertEquals(10, new RunCheckpoints(dir).latest().map(p -> RunCheckpoints.readState(p).step()).orElse(-1));

        // The child's own steps (at least 1..10, perhaps a step or two more) already match the straight run.
        List<String> lines = Files.readAllLines(lossFile);
        assertTrue(lines.size() >= 10 && lines.size() < 15, lines.size() + " steps logged");
        for (String line : lines) {
            String[] f = line.split(" ");
            int step = Integer.parseInt(f[0]);
            assertEquals(straight.losses.get(step - 1), Double.longBitsToDouble(Long.parseUnsignedLong(f[1], 16)),
                    "child step " + step);
        }

        Losses resumed = new Losses();
        RunResult result = TinyRun.run(dir, 5, 20, true, resumed);
        assertEquals(10, result.resumedFrom());
        assertEquals(20, result.lastStep());
        assertArrayEquals(range(straight.array(), 11, 20), resumed.array(), "steps 11..20 after kill -9 and resume");
        for (String file : List.of(RunCheckpoints.PARAMETERS, RunCheckpoints.OPTIMIZER)) {
            assertArrayEquals(Files.readAllBytes(straightDir.resolve("checkpoint-20").resolve(file)),
                    Files.readAllBytes(dir.resolve("checkpoint-20").resolve(file)), file);
        }
        // keep 3, and the best validation step's checkpoint
        Set<Integer> kept = new TreeSet<>(Set.of(10, 15, 20));
        kept.add(result.bestStep());
        assertEquals(kept, new RunCheckpoints(dir).complete().keySet());
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no output)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** LoRA with dropout: the dropout draws continue across a resume, so the losses are those of one run. */
    @Test
    void loraDropoutResumesExactly() {
        Losses straight = new Losses();
        trainLora(tmp.resolve("straight"), false, straight);
        Losses first = new Losses();
        trainLora(tmp.resolve("resumed"), false, first, 4);
        Losses second = new Losses();
        RunResult r = trainLora(tmp.resolve("resumed"), true, second);
        assertEquals(4, r.resumedFrom());
        assertArrayEquals(range(straight.array(), 1, 4), first.array());
        assertArrayEquals(range(straight.array(), 5, 8), second.array());
    }

    private static RunResult trainLora(Path dir, boolean resume, RunListener listener) {
        return trainLora(dir, resume, listener, 8);
    }

    /** 8 steps of LoRA (dropout 0.3) with a checkpoint every 4; {@code stopAfter} steps are run, then it stops. */
    private static RunResult trainLora(Path dir, boolean resume, RunListener listener, int stopAfter) {
        LoraConfig lc = LoraConfig.allLinear(2, 4, 0.3);
        DecoderGraph graph = DecoderGraph.buildWithLora(TinyRun.CONFIG,
                DecoderParameters.random(TinyRun.CONFIG, 1, DataType.FLOAT), LoraWeights.init(lc, TinyRun.CONFIG, 2),
                TinyRun.BATCH, TinyRun.SEQ, DataType.FLOAT, 3);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String name : graph.parameterNames()) params.put(name, graph.parameter(name));
        AdamW adamw = new AdamW(new AdamWConfig(2e-2, 0.9, 0.95, 1e-8, 0.0, 1.0), params, Set.of());
        TrainingRun run = new TrainingRun(graph, adamw, LrSchedule.constant(0, 8), 1,
                TinyRun.options(dir, 4, 8, resume, null));
        ShuffledBatches data = new ShuffledBatches(TinyRun.rows(), TinyRun.BATCH, 9);
        if (stopAfter == 8) return run.run(data, listener);
        // Stops the first attempt after checkpoint-4, as a crash would.
        try {
            run.run(data, new RunListener() {
                @Override
                public void onStep(TrainStep s) {
                    listener.onStep(s);
                }

                @Override
                public void onCheckpoint(int step, Path d) {
                    if (step == stopAfter) throw new StopHere();
                }
            });
        } catch (StopHere expected) {
            // the simulated crash
        }
        return null;
    }

    private static final class StopHere extends RuntimeException {}

    /** skip(n) lands where drawing n micro-batches would, across epoch boundaries (7 rows, 3 per batch). */
    @Test
    void shuffledBatchesSkipLandsWhereDrawingWould() {
        TokenBatch rows = TinyRun.rows();
        TokenBatch seven = new TokenBatch(Arrays.copyOf(rows.inputIds(), 7), Arrays.copyOf(rows.targetIds(), 7),
                Arrays.copyOf(rows.lossWeights(), 7));
        for (int n : new int[] {0, 1, 2, 3, 7, 12}) {
            ShuffledBatches drawn = new ShuffledBatches(seven, 3, 4);
            for (int i = 0; i < n; i++) drawn.next();
            ShuffledBatches skipped = new ShuffledBatches(seven, 3, 4);
            skipped.skip(n);
            assertEquals(drawn.epoch(), skipped.epoch(), "epoch after " + n);
            for (int i = 0; i < 5; i++) {
                TokenBatch a = drawn.next();
                TokenBatch b = skipped.next();
                assertTrue(Arrays.deepEquals(a.inputIds(), b.inputIds()), "batch " + i + " after skipping " + n);
                assertTrue(Arrays.deepEquals(a.lossWeights(), b.lossWeights()));
            }
        }
    }

    /** Each row lands on exactly one side; the last validation batch is padded with weight-0 rows. */
    @Test
    void validationSplitPartitionsTheRows() {
        TokenBatch rows = TinyRun.rows();
        ValidationSplit split = ValidationSplit.of(rows, 0.2, 1, 4); // 5 of 24 rows: batches of 4 and 1 + 3 padding
        assertEquals(19, split.trainRows().batchSize());
        assertEquals(2, split.validationBatches().size());
        TokenBatch last = split.validationBatches().get(1);
        for (int r = 1; r < 4; r++) assertEquals(0, Arrays.stream(last.lossWeights()[r]).sum());
        List<String> seen = new ArrayList<>();
        for (int[] r : split.trainRows().inputIds()) seen.add(Arrays.toString(r));
        for (TokenBatch b : split.validationBatches()) {
            for (int r = 0; r < b.batchSize(); r++) {
                if (Arrays.stream(b.lossWeights()[r]).sum() > 0) seen.add(Arrays.toString(b.inputIds()[r]));
            }
        }
        List<String> all = new ArrayList<>();
        for (int[] r : rows.inputIds()) all.add(Arrays.toString(r));
        seen.sort(null);
        all.sort(null);
        assertEquals(all, seen);
        assertThrows(IllegalArgumentException.class, () -> ValidationSplit.of(rows, 0.99, 1, 4));
    }

    /** Packed rows stay packed: a held-out row keeps its positions and segments (and so its examples apart). */
    @Test
    void validationSplitKeepsPositionsAndSegments() {
        int[][] ids = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}};
        int[][] positions = {{0, 1, 0, 1}, {0, 1, 2, 0}, {0, 1, 2, 3}};
        int[][] segments = {{0, 0, 1, 1}, {0, 0, 0, 1}, {0, 0, 0, 0}};
        double[][] w = {{0, 1, 0, 1}, {0, 1, 1, 0}, {0, 1, 1, 1}};
        TokenBatch rows = new TokenBatch(ids, ids, w, positions, segments);
        List<TokenBatch> all = new ArrayList<>(ValidationSplit.batches(rows, 2));
        ValidationSplit split = ValidationSplit.of(rows, 0.34, 3, 2);
        all.add(split.trainRows());
        all.addAll(split.validationBatches());
        for (TokenBatch b : all) {
            for (int r = 0; r < b.batchSize(); r++) {
                int original = (b.inputIds()[r][0] - 1) / 4;
                assertArrayEquals(positions[original], b.positions()[r]);
                assertArrayEquals(segments[original], b.segments()[r]);
            }
        }
        assertEquals(2, ValidationSplit.batches(rows, 2).size(), "3 rows in batches of 2: the last one padded");
    }

    /** Every 2 steps with keep 3: the newest three remain; a save never deletes before the new one is complete. */
    @Test
    void keepsTheLastKCheckpoints() {
        List<Set<Integer>> seen = new ArrayList<>();
        Path dir = tmp.resolve("k");
        TinyRun.run(dir, 2, 10, false, new RunListener() {
            @Override
            public void onCheckpoint(int step, Path d) {
                seen.add(new RunCheckpoints(dir).complete().keySet());
            }
        });
        assertEquals(List.of(Set.of(2), Set.of(2, 4), Set.of(2, 4, 6), Set.of(4, 6, 8), Set.of(6, 8, 10)), seen);
    }

    /**
     * What a crash leaves (a half-written .tmp folder, a half-deleted .del folder, a checkpoint folder without its
     * state.json) is ignored by resume and removed; the run continues exactly from the last complete checkpoint.
     */
    @Test
    void leftoversOfACrashAreIgnoredAndRemoved() throws IOException {
        Losses straight = new Losses();
        TinyRun.run(tmp.resolve("straight"), 0, 10, false, straight);

        Path dir = tmp.resolve("crashed");
        Losses first = new Losses();
        stopAt(dir, 5, first);
        Files.createDirectories(dir.resolve(".tmp-checkpoint-6"));
        Files.writeString(dir.resolve(".tmp-checkpoint-6").resolve(RunCheckpoints.PARAMETERS), "half");
        Files.createDirectories(dir.resolve(".del-checkpoint-3"));
        Files.createDirectories(dir.resolve("checkpoint-7"));
        Files.writeString(dir.resolve("checkpoint-7").resolve(RunCheckpoints.PARAMETERS), "no state.json");

        assertEquals(Set.of(5), new RunCheckpoints(dir).complete().keySet());
        Losses rest = new Losses();
        RunResult r = TinyRun.run(dir, 5, 10, true, rest);
        assertEquals(5, r.resumedFrom());
        assertFalse(Files.exists(dir.resolve(".tmp-checkpoint-6")));
        assertFalse(Files.exists(dir.resolve(".del-checkpoint-3")));
        assertArrayEquals(range(straight.array(), 1, 5), first.array());
        assertArrayEquals(range(straight.array(), 6, 10), rest.array());
    }

    /** Trains the 10-step tiny run with a checkpoint every 5 and stops it after checkpoint {@code step}. */
    private static void stopAt(Path dir, int step, RunListener listener) {
        try {
            TinyRun.run(dir, 5, 10, false, new RunListener() {
                @Override
                public void onStep(TrainStep s) {
                    listener.onStep(s);
                }

                @Override
                public void onCheckpoint(int s, Path d) {
                    if (s == step) throw new StopHere();
                }
            });
        } catch (StopHere expected) {
            // the simulated crash
        }
    }

    /** Resuming with another learning rate or seed is refused, naming each key; so is a fresh run over old checkpoints. */
    @Test
    void refusesToResumeADifferentRun() {
        Path dir = tmp.resolve("r");
        stopAt(dir, 5, new RunListener() {});
        DecoderGraph graph = TinyRun.model();
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(3e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), graph);
        TrainingRun other = new TrainingRun(graph, adamw, LrSchedule.cosine(3, 10, 0.1), TinyRun.ACCUMULATION,
                new TrainingRun.Options(10, new CheckpointPolicy(dir, 5, 3), null, true, Map.of("seed", "6")));
        UserInputException e = assertThrows(UserInputException.class,
                () -> other.run(new ShuffledBatches(TinyRun.rows(), TinyRun.BATCH, 6), new RunListener() {}));
        assertTrue(e.getMessage().contains("checkpoint-5/state.json"), e.getMessage());
        assertTrue(e.getMessage().contains("'optimizer.learningRate' is 0.01 in the checkpoint but 0.03 now"), e.getMessage());
        assertTrue(e.getMessage().contains("'seed' is 5 in the checkpoint but 6 now"), e.getMessage());
        assertEquals(0, adamw.stepCount(), "nothing loaded");

        UserInputException fresh = assertThrows(UserInputException.class,
                () -> TinyRun.run(dir, 5, 10, false, new RunListener() {}));
        assertTrue(fresh.getMessage().contains("holds checkpoints of an earlier run (newest checkpoint-5)"),
                fresh.getMessage());
    }

    /**
     * A NaN loss stops the run before the update, naming the step and the last good checkpoint, which stays
     * byte for byte as it was and still resumes. The NaN is real: a weight of the live model is poisoned after
     * checkpoint-4 is written, as a diverging update would.
     */
    @Test
    void nanStopsTheRunAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path dir = tmp.resolve("nan");
        Map<String, byte[]> before = new HashMap<>();
        DecoderGraph graph = TinyRun.model();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> plainRun(graph, dir, false,
                new RunListener() {
                    @Override
                    public void onCheckpoint(int step, Path d) {
                        if (step != 4) return;
                        try {
                            for (Path f : Files.list(d).toList()) before.put(f.getFileName().toString(), Files.readAllBytes(f));
                        } catch (IOException io) {
                            throw new RuntimeException(io);
                        }
                        graph.parameter(DecoderParameters.FINAL_NORM).putScalar(0, Float.NaN);
                    }
                }));
        assertTrue(e.getMessage().startsWith("training stopped at step 5: loss is NaN at step 5"), e.getMessage());
        assertTrue(e.getMessage().contains("The last good checkpoint is " + dir.resolve("checkpoint-4")), e.getMessage());
        assertEquals(Set.of(2, 4), new RunCheckpoints(dir).complete().keySet());
        assertEquals(4, before.size());
        for (Map.Entry<String, byte[]> f : before.entrySet()) {
            assertArrayEquals(f.getValue(), Files.readAllBytes(dir.resolve("checkpoint-4").resolve(f.getKey())), f.getKey());
        }
        Losses resumed = new Losses();
        RunResult r = plainRun(TinyRun.model(), dir, true, resumed);
        assertEquals(4, r.resumedFrom());
        assertEquals(10, r.lastStep());
        assertTrue(resumed.losses.stream().allMatch(Double::isFinite));
    }

    /** The tiny model on all rows, no validation, a checkpoint every 2 of 10 steps. */
    private static RunResult plainRun(DecoderGraph graph, Path dir, boolean resume, RunListener listener) {
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), graph);
        return new TrainingRun(graph, adamw, LrSchedule.cosine(3, 10, 0.1), TinyRun.ACCUMULATION,
                TinyRun.options(dir, 2, 10, resume, null))
                .run(new ShuffledBatches(TinyRun.rows(), TinyRun.BATCH, TinyRun.SEED), listener);
    }

    /**
     * Validation every 2 steps with a min delta no later evaluation can beat: the first evaluation (step 2) is the
     * best, patience 3 stops the run at step 8, and the checkpoints kept are the best one and the last. The loss
     * reported is the weighted mean over the whole held-out set, checked against one forward pass over all of it.
     */
    @Test
    void validationAndEarlyStoppingStopAtTheRightStep() {
        ValidationSplit split = ValidationSplit.of(TinyRun.rows(), 0.25, TinyRun.SEED, TinyRun.BATCH);
        assertEquals(3, split.validationBatches().size());
        assertEquals(18, split.trainRows().batchSize());
        Path dir = tmp.resolve("early");
        Losses events = new Losses();
        RunResult result = earlyStopping(dir, split, events);

        assertTrue(result.stoppedEarly());
        assertEquals(8, result.lastStep());
        assertEquals(8, events.losses.size());
        assertEquals(List.of(2, 4, 6, 8), events.validations.stream().map(Validation::step).toList());
        assertEquals(List.of(true, false, false, false), events.validations.stream().map(Validation::improved).toList());
        assertEquals(List.of(0, 1, 2, 3), events.validations.stream().map(Validation::evalsWithoutImprovement).toList());
        assertTrue(events.validations.get(3).stopEarly());
        assertEquals(2, result.bestStep());
        assertEquals(events.validations.get(0).loss(), result.bestLoss());
        assertEquals(Set.of(2, 8), new RunCheckpoints(dir).complete().keySet(), "best and last (keep 1)");

        // The weighted mean over all 6 held-out rows in one batch, with the step-8 weights from checkpoint-8.
        TokenBatch all = concat(split.validationBatches());
        DecoderGraph one = DecoderGraph.build(TinyRun.CONFIG, DecoderParameters.random(TinyRun.CONFIG, 0, DataType.FLOAT),
                all.batchSize(), TinyRun.SEQ, DataType.FLOAT);
        RunCheckpoints.loadTrainable(dir.resolve("checkpoint-8"), one);
        assertEquals(one.loss(all), events.validations.get(3).loss(), 1e-6);

        // Resuming a run that stopped early does nothing more.
        Losses again = new Losses();
        RunResult resumed = earlyStopping(dir, split, again, true);
        assertTrue(resumed.stoppedEarly());
        assertEquals(8, resumed.lastStep());
        assertTrue(again.losses.isEmpty());
    }

    private static RunResult earlyStopping(Path dir, ValidationSplit split, RunListener listener) {
        return earlyStopping(dir, split, listener, false);
    }

    private static RunResult earlyStopping(Path dir, ValidationSplit split, RunListener listener, boolean resume) {
        DecoderGraph graph = TinyRun.model();
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), graph);
        TrainingRun run = new TrainingRun(graph, adamw, LrSchedule.cosine(3, 20, 0.1), TinyRun.ACCUMULATION,
                new TrainingRun.Options(20, new CheckpointPolicy(dir, 2, 1),
                        new ValidationPolicy(split.validationBatches(), 2, 3, 10.0), resume, Map.of()));
        return run.run(new ShuffledBatches(split.trainRows(), TinyRun.BATCH, TinyRun.SEED), listener);
    }

    private static TokenBatch concat(List<TokenBatch> batches) {
        List<int[]> in = new ArrayList<>();
        List<int[]> out = new ArrayList<>();
        List<double[]> w = new ArrayList<>();
        for (TokenBatch b : batches) {
            for (int r = 0; r < b.batchSize(); r++) {
                in.add(b.inputIds()[r]);
                out.add(b.targetIds()[r]);
                w.add(b.lossWeights()[r]);
            }
        }
        return new TokenBatch(in.toArray(int[][]::new), out.toArray(int[][]::new), w.toArray(double[][]::new));
    }
}
