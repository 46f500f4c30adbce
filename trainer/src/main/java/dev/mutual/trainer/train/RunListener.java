package dev.mutual.trainer.train;

import java.nio.file.Path;

/** What a {@link TrainingRun} reports as it goes: progress bars, metrics.jsonl, logs. Every method is optional. */
public interface RunListener {

    /** After each optimizer step. */
    default void onStep(TrainStep step) {}

    /** After each validation. */
    default void onValidation(Validation validation) {}

    /** After a checkpoint of {@code step} is complete in {@code dir}. */
    default void onCheckpoint(int step, Path dir) {}

    /** Once, before the first step, when the run continues from a checkpoint. */
    default void onResume(int step, Path checkpoint) {}
}
