package dev.mutual.trainer.eager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.AdamW;
import dev.mutual.trainer.train.AdamWConfig;
import dev.mutual.trainer.train.LrSchedule;
import dev.mutual.trainer.train.TrainStep;
import dev.mutual.trainer.train.Trainer;
import dev.mutual.trainer.engine.TrainableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Trainer + AdamW on the eager engine follows the SameDiff graph's run step by step (fp64). */
class EagerTrainerTest {

    /** Tied embeddings and q/k/v bias (Qwen2-like), GQA. */
    private static final ModelConfig TINY =
            new ModelConfig("qwen2", 16, 32, 2, 4, 2, 4, 16, 64, 1e-6, 1e4, null, true, true, 0, -1, -1);
    private static final int SEQ = 6;

    @Test
    void fourStepsOfAdamWMatchDecoderGraph() {
        List<TokenBatch> micro = new ArrayList<>();
        Random rng = new Random(41);
        for (int i = 0; i < 8; i++) {
            int[][] ids = new int[2][SEQ + 1];
            for (int[] row : ids) for (int t = 0; t < row.length; t++) row[t] = rng.nextInt(TINY.vocabSize());
            TokenBatch b = TokenBatch.nextToken(ids);
            double[][] w = new double[2][SEQ];
            for (double[] row : w) for (int t = 0; t < SEQ; t++) row[t] = rng.nextInt(4) * 0.5;   // 0 to 1.5
            w[0][SEQ - 1] = 1;
            micro.add(new TokenBatch(b.inputIds(), b.targetIds(), w));
        }
        TrainableModel graph = DecoderGraph.build(TINY, DecoderParameters.random(TINY, 5, DataType.DOUBLE), 2, SEQ,
                DataType.DOUBLE);
        TrainableModel eager = EagerDecoder.build(TINY, DecoderParameters.random(TINY, 5, DataType.DOUBLE), 2, SEQ,
                DataType.DOUBLE);
        List<TrainStep> expected = run(graph, micro);
        List<TrainStep> actual = run(eager, micro);
        for (int s = 0; s < expected.size(); s++) {
            assertEquals(expected.get(s).loss(), actual.get(s).loss(), 1e-10, "loss at step " + (s + 1));
            assertEquals(expected.get(s).gradNorm(), actual.get(s).gradNorm(), 1e-10, "grad norm at step " + (s + 1));
        }
        assertTrue(expected.get(3).loss() < expected.get(0).loss() - 0.05, "the run must learn something");
        double maxDiff = 0;
        for (String p : graph.parameterNames()) {
            maxDiff = Math.max(maxDiff, graph.parameter(p).sub(eager.parameter(p)).amaxNumber().doubleValue());
        }
        System.out.printf("eager vs SameDiff training: losses %.6f -> %.6f, max weight difference %.2e%n",
                actual.get(0).loss(), actual.get(3).loss(), maxDiff);
        assertTrue(maxDiff < 1e-10, "weights after 4 steps differ by " + maxDiff);
    }

    private static List<TrainStep> run(TrainableModel model, List<TokenBatch> micro) {
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(3e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), model);
        Trainer trainer = new Trainer(model, adamw, LrSchedule.cosine(1, 4, 0.1), 2);
        List<TrainStep> steps = new ArrayList<>();
        trainer.train(micro.iterator(), 4, steps::add);
        return steps;
    }
}
