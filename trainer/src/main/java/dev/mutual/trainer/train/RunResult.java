package dev.mutual.trainer.train;

import java.nio.file.Path;

/**
 * How a {@link TrainingRun} ended.
 *
 * @param lastStep       optimizer steps done (the total, or fewer when it stopped early)
 * @param resumedFrom    the checkpoint step it continued from, 0 for a fresh start
 * @param stoppedEarly   whether early stopping ended it
 * @param bestStep       step of the best validation loss, 0 without validation
 * @param bestLoss       the best validation loss, NaN without validation
 * @param lastCheckpoint the newest checkpoint folder, or null without checkpoints
 */
public record RunResult(int lastStep, int resumedFrom, boolean stoppedEarly, int bestStep, double bestLoss,
                        Path lastCheckpoint) {}
