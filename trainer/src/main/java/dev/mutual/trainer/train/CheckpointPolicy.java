package dev.mutual.trainer.train;

import java.nio.file.Path;

/**
 * Where and how often a {@link TrainingRun} saves checkpoints (recipe keys {@code checkpoint_every},
 * {@code keep_checkpoints}).
 *
 * @param dir      folder of the run's checkpoints, {@code checkpoint-N} per optimizer step N (HF Trainer's names)
 * @param every    save every this many optimizer steps, e.g. 500; 0 saves only at the end (and when the run stops
 *                 early)
 * @param keepLast how many complete checkpoints to keep, newest first, e.g. 3; the checkpoint of the best
 *                 validation step is kept as well
 */
public record CheckpointPolicy(Path dir, int every, int keepLast) {

    public CheckpointPolicy {
        if (dir == null) throw new IllegalArgumentException("checkpoint folder is required");
        if (every < 0) throw new IllegalArgumentException("checkpoint_every must be >= 0, got " + every);
        if (keepLast < 1) throw new IllegalArgumentException("keep_checkpoints must be >= 1, got " + keepLast);
    }
}
