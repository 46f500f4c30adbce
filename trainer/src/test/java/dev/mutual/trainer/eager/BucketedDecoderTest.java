package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.AdamW;
import dev.mutual.trainer.train.AdamWConfig;
import dev.mutual.trainer.engine.BucketLengths;
import dev.mutual.trainer.train.CheckpointPolicy;
import dev.mutual.trainer.train.LengthBuckets;
import dev.mutual.trainer.train.LrSchedule;
import dev.mutual.trainer.train.RunListener;
import dev.mutual.trainer.train.RunResult;
import dev.mutual.trainer.train.TrainStep;
import dev.mutual.trainer.train.Trainer;
import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.train.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The bucketed engine is the full-length engine on shorter batches: same loss and gradients on a cut batch as on
 * the same rows padded to seq_len (trailing weight-0 positions cannot change a causal model's loss), the same
 * Trainer + AdamW steps, and an exact resume through TrainingRun with {@link LengthBuckets}.
 */
class BucketedDecoderTest {

    /** Tied embeddings and q/k/v bias (Qwen2-like), GQA. */
    private static final ModelConfig TINY =
            new ModelConfig("qwen2", 16, 32, 2, 4, 2, 4, 16, 64, 1e-6, 1e4, null, true, true, 0, -1, -1);
    private static final int SEQ = 24;
    private static final BucketLengths LENGTHS = new BucketLengths(new int[] {8, 16, 24});

    @TempDir
    Path tmp;

    /** Rows of SEQ positions with used lengths 1..SEQ, a weight-0 prompt, random ids in the weight-0 padding. */
    private static TokenBatch rows(int n, long seed) {
        Random rng = new Random(seed);
        int[][] in = new int[n][SEQ], out = new int[n][SEQ];
        double[][] w = new double[n][SEQ];
        for (int r = 0; r < n; r++) {
            int used = 1 + rng.nextInt(SEQ);
            for (int t = 0; t < SEQ; t++) {
                in[r][t] = rng.nextInt(TINY.vocabSize());
                out[r][t] = rng.nextInt(TINY.vocabSize());
                w[r][t] = t < used / 3 || t >= used ? 0 : rng.nextInt(4) * 0.5;
            }
            w[r][used - 1] = 1;
        }
        return new TokenBatch(in, out, w);
    }

    private static TokenBatch take(TokenBatch rows, int... which) {
        int[][] in = new int[which.length][], out = new int[which.length][];
        double[][] w = new double[which.length][];
        for (int i = 0; i < which.length; i++) {
            in[i] = rows.inputIds()[which[i]];
            out[i] = rows.targetIds()[which[i]];
            w[i] = rows.lossWeights()[which[i]];
        }
        return new TokenBatch(in, out, w);
    }

    @Test
    void cutBatchGivesTheLossAndGradientsOfTheFullLengthEngine() {
        TokenBatch rows = rows(40, 3);
        int[] pair = new int[2];
        for (int r = 0, k = 0; r < rows.batchSize() && k < 2; r++) {   // two rows of the 16 bucket
            if (LENGTHS.fit(BucketLengths.usedLength(rows.lossWeights()[r])) == 16) pair[k++] = r;
        }
        TokenBatch full = take(rows, pair);
        TokenBatch cut = BucketLengths.resize(full, 16);
        EagerDecoder reference = EagerDecoder.build(TINY, DecoderParameters.random(TINY, 5, DataType.DOUBLE), 2, SEQ,
                DataType.DOUBLE);
        BucketedDecoder bucketed = BucketedDecoder.build(TINY, DecoderParameters.random(TINY, 5, DataType.DOUBLE), 2,
                LENGTHS, DataType.DOUBLE);
        assertEquals(SEQ, bucketed.seqLen());
        assertEquals(2, bucketed.batchSize());
        Map<String, INDArray> expected = new java.util.LinkedHashMap<>();
        double expectedLoss;
        try (LossAndGradients lg = reference.lossAndGradients(full)) {
            expectedLoss = lg.loss();
            lg.gradients().forEach((k, v) -> expected.put(k, v.dup()));
        }
        for (TokenBatch given : List.of(cut, full)) {   // a full-length batch is cut by the engine itself
            try (LossAndGradients lg = bucketed.lossAndGradients(given)) {
                assertEquals(expectedLoss, lg.loss(), 1e-12);
                assertEquals(expected.keySet(), lg.gradients().keySet());
                for (String name : expected.keySet()) {
                    double diff = expected.get(name).sub(lg.gradients().get(name)).amaxNumber().doubleValue();
                    double scale = expected.get(name).amaxNumber().doubleValue();
                    assertTrue(diff <= 1e-12 * Math.max(1, scale), name + " differs by " + diff);
                }
            }
            assertEquals(reference.loss(full), bucketed.loss(given), 1e-12);
        }
        assertArrayEquals(new int[] {8, 16}, bucketed.builtLengths(), "only the engines the batches need");
        assertThrows(IllegalArgumentException.class, () -> bucketed.loss(take(rows, 0, 1, 2)));
    }

    /** A few AdamW steps on bucketed micro-batches of several lengths equal the same steps at full length. */
    @Test
    void trainerStepsEqualTheFullLengthEngine() {
        LengthBuckets data = new LengthBuckets(rows(12, 4), 2, LENGTHS, 9);
        List<TokenBatch> cut = new ArrayList<>();
        List<TokenBatch> full = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TokenBatch b = data.next();
            cut.add(b);
            full.add(BucketLengths.resize(b, SEQ));
        }
        assertTrue(cut.stream().mapToInt(TokenBatch::seqLen).distinct().count() >= 2, "several bucket lengths");
        TrainableModel reference = EagerDecoder.build(TINY, DecoderParameters.random(TINY, 5, DataType.DOUBLE), 2, SEQ,
                DataType.DOUBLE);
        TrainableModel bucketed = BucketedDecoder.build(TINY, DecoderParameters.random(TINY, 5, DataType.DOUBLE), 2,
                LENGTHS, DataType.DOUBLE);
        List<TrainStep> expected = train(reference, full.iterator());
        List<TrainStep> actual = train(bucketed, cut.iterator());
        for (int s = 0; s < expected.size(); s++) {
            assertEquals(expected.get(s).loss(), actual.get(s).loss(), 1e-10, "loss at step " + (s + 1));
            assertEquals(expected.get(s).gradNorm(), actual.get(s).gradNorm(), 1e-10, "grad norm at step " + (s + 1));
            assertEquals(expected.get(s).tokens(), actual.get(s).tokens());
        }
        Map<String, INDArray> init = DecoderParameters.random(TINY, 5, DataType.DOUBLE);
        double moved = 0;
        for (String p : reference.parameterNames()) {
            moved = Math.max(moved, init.get(p).sub(bucketed.parameter(p)).amaxNumber().doubleValue());
            double diff = reference.parameter(p).sub(bucketed.parameter(p)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-10, p + " differs by " + diff + " after 4 steps");
        }
        assertTrue(moved > 1e-2, "the steps must change the weights, moved " + moved);
    }

    private static List<TrainStep> train(TrainableModel model, Iterator<TokenBatch> micro) {
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(3e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), model);
        List<TrainStep> steps = new ArrayList<>();
        new Trainer(model, adamw, LrSchedule.cosine(1, 4, 0.1), 2).train(micro, 4, steps::add);
        return steps;
    }

    /** 6 steps straight, or 3 steps, a crash after checkpoint-3 and a resume: the same per-step losses (==). */
    @Test
    void resumeThroughTrainingRunIsExact() {
        List<Double> straight = new ArrayList<>();
        run(tmp.resolve("straight"), false, straight, 0);
        List<Double> first = new ArrayList<>();
        run(tmp.resolve("resumed"), false, first, 3);
        List<Double> second = new ArrayList<>();
        RunResult r = run(tmp.resolve("resumed"), true, second, 0);
        assertEquals(3, r.resumedFrom());
        assertEquals(straight.subList(0, 3), first);
        assertEquals(straight.subList(3, 6), second);
    }

    private static RunResult run(Path dir, boolean resume, List<Double> losses, int crashAfter) {
        BucketedDecoder model = BucketedDecoder.build(TINY, DecoderParameters.random(TINY, 1, DataType.FLOAT), 2,
                LENGTHS, DataType.FLOAT);
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(2e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), model);
        TrainingRun run = new TrainingRun(model, adamw, LrSchedule.cosine(1, 6, 0.1), 2,
                new TrainingRun.Options(6, new CheckpointPolicy(dir, 3, 2), null, resume,
                        Map.of("seed", "9", "batching", "buckets")));
        LengthBuckets data = new LengthBuckets(rows(7, 6), 2, LENGTHS, 9);   // 5 batches an epoch: resume mid-epoch
        try {
            return run.run(data, new RunListener() {
                @Override
                public void onStep(TrainStep s) {
                    losses.add(s.loss());
                }

                @Override
                public void onCheckpoint(int step, Path d) {
                    if (step == crashAfter) throw new Crash();
                }
            });
        } catch (Crash expected) {
            return null;
        }
    }

    private static final class Crash extends RuntimeException {}
}
