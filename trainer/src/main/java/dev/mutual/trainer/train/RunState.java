package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TrainableModel;
import java.util.Map;
import java.util.TreeMap;

/**
 * The small part of a checkpoint that is not tensors ({@code state.json}): where the run is and what it was.
 *
 * @param step                    optimizer steps done; also the optimizer's step count and the schedule position
 * @param microBatches            micro-batches drawn from the data so far (the data position; a resumed run skips
 *                                them in the same seeded order)
 * @param modelRandomState        {@link TrainableModel#randomState} (LoRA dropout), possibly empty
 * @param bestStep                step of the best validation loss, 0 before the first validation
 * @param bestLoss                the best validation loss, NaN before the first validation
 * @param evalsWithoutImprovement validations in a row without improvement (early stopping's counter)
 * @param identity                what the run was (model, shapes, optimizer, schedule, caller's keys): resuming with
 *                                any of it different is refused
 */
public record RunState(int step, long microBatches, long[] modelRandomState, int bestStep, double bestLoss,
                       int evalsWithoutImprovement, Map<String, String> identity) {

    public RunState {
        if (step < 0 || microBatches < 0 || bestStep < 0 || evalsWithoutImprovement < 0) {
            throw new IllegalArgumentException("run state counters must be >= 0: step " + step + ", micro-batches "
                    + microBatches + ", best step " + bestStep + ", evals without improvement " + evalsWithoutImprovement);
        }
        modelRandomState = modelRandomState.clone();
        identity = new TreeMap<>(identity);
    }

    /** A fresh run: nothing trained, no validation yet. */
    public static RunState start(long[] modelRandomState, Map<String, String> identity) {
        return new RunState(0, 0, modelRandomState, 0, Double.NaN, 0, identity);
    }
}
