package dev.mutual.trainer.train;

import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A complete small training run (an 856-parameter fp32 LLaMA, 2 micro-batches of 2 rows per step, cosine schedule,
 * validation every 5 steps) for the resume tests. {@link #main} runs it in a child JVM that a test kills.
 */
final class TinyRun {

    static final ModelConfig CONFIG =
            new ModelConfig("llama", 8, 16, 1, 2, 1, 4, 16, 32, 1e-6, 1e4, null, false, false, 0, -1, -1);
    static final int SEQ = 6;
    static final int BATCH = 2;
    static final int ACCUMULATION = 2;
    static final long SEED = 5;

    private TinyRun() {}

    /** 24 random rows of SEQ next-token pairs, some with prompt-masked (0-weight) positions. */
    static TokenBatch rows() {
        Random rng = new Random(SEED);
        int[][] ids = new int[24][SEQ + 1];
        for (int[] row : ids) for (int t = 0; t < row.length; t++) row[t] = rng.nextInt(CONFIG.vocabSize());
        TokenBatch all = TokenBatch.nextToken(ids);
        for (int r = 0; r < 24; r += 3) all.lossWeights()[r][0] = 0;
        return all;
    }

    static DecoderGraph model() {
        return DecoderGraph.build(CONFIG, DecoderParameters.random(CONFIG, SEED, DataType.FLOAT), BATCH, SEQ,
                DataType.FLOAT);
    }

    static TrainingRun.Options options(Path checkpoints, int every, int totalSteps, boolean resume,
                                       List<TokenBatch> validation) {
        return new TrainingRun.Options(totalSteps, checkpoints == null ? null : new CheckpointPolicy(checkpoints, every, 3),
                validation == null ? null : new ValidationPolicy(validation, 5, 0, 0), resume,
                Map.of("seed", Long.toString(SEED)));
    }

    /** Trains {@code totalSteps} steps of the tiny run (continuing from {@code checkpoints} when resuming). */
    static RunResult run(Path checkpoints, int every, int totalSteps, boolean resume, RunListener listener) {
        ValidationSplit split = ValidationSplit.of(rows(), 0.25, SEED, BATCH);
        DecoderGraph graph = model();
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 1.0), graph);
        TrainingRun run = new TrainingRun(graph, adamw, LrSchedule.cosine(3, totalSteps, 0.1), ACCUMULATION,
                options(checkpoints, every, totalSteps, resume, split.validationBatches()));
        return run.run(new ShuffledBatches(split.trainRows(), BATCH, SEED), listener);
    }

    /**
     * {@code CHECKPOINT_DIR LOSS_FILE TOTAL_STEPS CHECKPOINT_EVERY STEP_DELAY_MS SLOW_FROM}: trains, appending
     * "step lossBits" per step to LOSS_FILE (flushed, so a kill keeps every finished step) and sleeping
     * STEP_DELAY_MS after each step from step SLOW_FROM on, so that a test can kill it between two checkpoints.
     */
    public static void main(String[] args) throws IOException {
        Path lossFile = Path.of(args[1]);
        long delay = Long.parseLong(args[4]);
        int slowFrom = Integer.parseInt(args[5]);
        try (Writer out = Files.newBufferedWriter(lossFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            run(Path.of(args[0]), Integer.parseInt(args[3]), Integer.parseInt(args[2]), false, new RunListener() {
                @Override
                public void onStep(TrainStep s) {
                    try {
                        out.write(s.step() + " " + Long.toHexString(Double.doubleToRawLongBits(s.loss())) + "\n");
                        out.flush();
                        if (s.step() >= slowFrom) Thread.sleep(delay);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
        }
    }
}
