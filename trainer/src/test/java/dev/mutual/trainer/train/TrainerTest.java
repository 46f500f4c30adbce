package dev.mutual.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** The training loop on a tiny random decoder: accumulation, reproducibility, divergence. */
class TrainerTest {

    private static final int VOCAB = 16;
    private static final int SEQ = 6;
    /** Tied embeddings, so the embedding gradient takes both the head's and the lookup's path. */
    private static final ModelConfig TINY =
            new ModelConfig("qwen2", 16, 32, 2, 4, 2, 4, VOCAB, 64, 1e-6, 1e4, null, true, true, 0, -1, -1);

    /**
     * 8 rows with unequal weighted-token counts (sums 6, 2, 7.5, 3, 1, 6, 4.25, 5): full, prompt-masked,
     * MAIN-style fractional weights, right padding.
     */
    private static TokenBatch rows() {
        Random rng = new Random(11);
        int[][] ids = new int[8][SEQ + 1];
        for (int[] row : ids) for (int t = 0; t < row.length; t++) row[t] = rng.nextInt(VOCAB);
        TokenBatch all = TokenBatch.nextToken(ids);
        double[][] w = {
                {1, 1, 1, 1, 1, 1},
                {0, 0, 0, 0, 1, 1},
                {0.5, 2, 0, 1, 1, 3},
                {1, 1, 1, 0, 0, 0},
                {0, 0, 0, 0, 0, 1},
                {1, 1, 1, 1, 1, 1},
                {0.25, 0, 1, 1, 1, 1},
                {0, 1, 1, 1, 1, 1}};
        return new TokenBatch(all.inputIds(), all.targetIds(), w);
    }

    private static TokenBatch slice(TokenBatch rows, int from, int to) {
        return new TokenBatch(Arrays.copyOfRange(rows.inputIds(), from, to),
                Arrays.copyOfRange(rows.targetIds(), from, to), Arrays.copyOfRange(rows.lossWeights(), from, to));
    }

    private static AdamW adamw(DecoderGraph graph) {
        return AdamW.forDecoder(new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), graph);
    }

    @Test
    void fourMicroBatchesOfOneStepLikeOneBatchOfFour() {
        TokenBatch rows = rows();
        // The same initial weights twice (separate arrays: a graph updates its weights in place).
        DecoderGraph big = DecoderGraph.build(TINY, DecoderParameters.random(TINY, 3, DataType.DOUBLE), 4, SEQ,
                DataType.DOUBLE);
        DecoderGraph small = DecoderGraph.build(TINY, DecoderParameters.random(TINY, 3, DataType.DOUBLE), 1, SEQ,
                DataType.DOUBLE);

        // Guard: with these weights the plain mean of the per-row losses is not the batch loss, so a loop that
        // averaged micro-batches instead of weighting them by their token weight would fail below.
        double meanOfRows = 0;
        for (int r = 0; r < 4; r++) meanOfRows += small.loss(slice(rows, r, r + 1)) / 4;
        double batchLoss = big.loss(slice(rows, 0, 4));
        assertTrue(Math.abs(meanOfRows - batchLoss) > 1e-3, meanOfRows + " vs " + batchLoss);

        List<TrainStep> bigSteps = new ArrayList<>();
        new Trainer(big, adamw(big), LrSchedule.constant(0, 2), 1)
                .train(List.of(slice(rows, 0, 4), slice(rows, 4, 8)).iterator(), 2, bigSteps::add);
        List<TokenBatch> singles = new ArrayList<>();
        for (int r = 0; r < 8; r++) singles.add(slice(rows, r, r + 1));
        List<TrainStep> smallSteps = new ArrayList<>();
        new Trainer(small, adamw(small), LrSchedule.constant(0, 2), 4).train(singles.iterator(), 2, smallSteps::add);

        assertEquals(batchLoss, bigSteps.get(0).loss(), 1e-12, "step loss is the batch's weighted mean loss");
        for (int s = 0; s < 2; s++) {
            TrainStep b = bigSteps.get(s);
            TrainStep m = smallSteps.get(s);
            assertEquals(b.loss(), m.loss(), 1e-12, "loss of step " + (s + 1));
            assertEquals(b.gradNorm(), m.gradNorm(), 1e-12, "gradient norm of step " + (s + 1));
            assertEquals(b.tokens(), m.tokens());
            assertEquals(b.weightSum(), m.weightSum(), 0);
        }
        assertEquals(6 + 2 + 5 + 3, bigSteps.get(0).tokens(), "non-zero weights in rows 0-3");
        assertEquals(6 + 2 + 7.5 + 3, bigSteps.get(0).weightSum(), 0);
        assertTrue(bigSteps.get(0).gradNorm() > 1.0, "clipping (max norm 1) is exercised: "
                + bigSteps.get(0).gradNorm());
        double maxDiff = 0;
        for (String name : big.parameterNames()) {
            maxDiff = Math.max(maxDiff, big.parameter(name).sub(small.parameter(name)).amaxNumber().doubleValue());
        }
        System.out.printf("accumulation: max |batch of 4 - 4 x 1| weight after 2 steps %.3e%n", maxDiff);
        assertTrue(maxDiff < 1e-6, "max weight difference " + maxDiff);
    }

    private static double[] losses(long dataSeed, int steps) {
        DecoderGraph graph = DecoderGraph.build(TINY, DecoderParameters.random(TINY, 5, DataType.FLOAT), 2, SEQ,
                DataType.FLOAT);
        List<Double> losses = new ArrayList<>();
        new Trainer(graph, adamw(graph), LrSchedule.cosine(1, steps, 0.1), 2)
                .train(new ShuffledBatches(rows(), 2, dataSeed), steps, s -> losses.add(s.loss()));
        return losses.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void sameSeedSameLosses() {
        double[] first = losses(7, 5);
        double[] again = losses(7, 5);
        double[] otherSeed = losses(8, 5);
        System.out.println("seed 7 losses " + Arrays.toString(first) + ", seed 8 " + Arrays.toString(otherSeed));
        assertArrayEquals(first, again, 0.0, "same seed, same data order, same losses");
        assertFalse(Arrays.equals(first, otherSeed), "another seed draws another order");
    }

    @Test
    void reportsScheduleAndStepsAndResumes(@TempDir Path dir) throws IOException {
        DecoderGraph graph = DecoderGraph.build(TINY, DecoderParameters.random(TINY, 5, DataType.FLOAT), 2, SEQ,
                DataType.FLOAT);
        AdamW adamw = adamw(graph);
        Trainer trainer = new Trainer(graph, adamw, LrSchedule.linear(2, 6), 1);
        ShuffledBatches batches = new ShuffledBatches(rows(), 2, 1);
        List<TrainStep> steps = new ArrayList<>();
        Consumer<TrainStep> record = steps::add;
        try (MetricsLog log = new MetricsLog(dir.resolve("metrics.jsonl"))) {
            trainer.train(batches, 3, record.andThen(log));
            trainer.train(batches, 3, record.andThen(log));
        }
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(6, lines.size());
        assertTrue(lines.get(5).startsWith("{\"step\":6,\"loss\":" + steps.get(5).loss() + ","), lines.get(5));
        double[] lr = steps.stream().mapToDouble(TrainStep::learningRate).toArray();
        // linear, warmup 2 of 6: 0, 1/2, then (6 - s) / 4 for s = 2..5, times the peak 1e-2
        assertArrayEquals(new double[] {0, 5e-3, 1e-2, 7.5e-3, 5e-3, 2.5e-3}, lr, 1e-15);
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, steps.stream().mapToInt(TrainStep::step).toArray());
        assertEquals(6, adamw.stepCount());
        assertEquals(2, batches.epoch(), "12 rows drawn from 8: the second epoch has begun");
    }

    @Test
    void nanLossStopsNamingTheStep() {
        DecoderGraph graph = DecoderGraph.build(TINY, DecoderParameters.random(TINY, 5, DataType.FLOAT), 2, SEQ,
                DataType.FLOAT);
        List<TrainStep> steps = new ArrayList<>();
        Trainer trainer = new Trainer(graph, adamw(graph), LrSchedule.constant(0, 10), 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trainer.train(new ShuffledBatches(rows(), 2, 1), 10, s -> {
                    steps.add(s);
                    // A diverged model: poison the final norm after step 2, so step 3's forward pass gives NaN.
                    if (s.step() == 2) graph.parameter(DecoderParameters.FINAL_NORM).assign(Double.NaN);
                }));
        assertEquals(2, steps.size());
        assertTrue(e.getMessage().startsWith("loss is NaN at step 3 (micro-batch 1 of 2)"), e.getMessage());
    }

    @Test
    void shuffledBatchesVisitEveryRowOncePerEpoch() {
        TokenBatch rows = rows();
        ShuffledBatches batches = new ShuffledBatches(rows, 4, 9);
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (int[] in : batches.next().inputIds()) {
                for (int r = 0; r < 8; r++) if (Arrays.equals(in, rows.inputIds()[r])) seen.add(r);
            }
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), seen.stream().sorted().toList());
        assertFalse(seen.equals(List.of(0, 1, 2, 3, 4, 5, 6, 7)), "shuffled, not in file order: " + seen);
    }
}
