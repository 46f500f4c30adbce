package dev.mutual.trainer.train;

/**
 * One validation of a {@link TrainingRun}, handed to {@link RunListener#onValidation}.
 *
 * @param step                    optimizer steps done when it ran
 * @param loss                    weighted mean loss over the whole validation set
 * @param improved                whether it beat the best earlier loss by more than the policy's min delta
 * @param bestStep                step of the best validation so far (this one when improved)
 * @param bestLoss                the best validation loss so far
 * @param evalsWithoutImprovement evaluations in a row without improvement, 0 when this one improved
 * @param stopEarly               whether early stopping ends the run here
 */
public record Validation(int step, double loss, boolean improved, int bestStep, double bestLoss,
                         int evalsWithoutImprovement, boolean stopEarly) {}
