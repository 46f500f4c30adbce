package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TokenBatch;
import java.util.List;

/**
 * Validation loss on held-out batches every few steps, and optional early stopping (recipe keys
 * {@code eval_every}, {@code early_stopping_patience}, {@code early_stopping_min_delta}; the batches come from
 * {@code eval_fraction} through {@link ValidationSplit} or from separate eval data).
 *
 * @param batches  held-out batches of the model's shape; the loss is their weighted mean:
 *                 sum(weightSum_b * loss_b) / sum(weightSum_b), i.e. the mean over every weighted token
 * @param every    evaluate after every this many optimizer steps, e.g. 100
 * @param patience stop after this many evaluations in a row without improvement, e.g. 3; 0 never stops early
 * @param minDelta an evaluation improves when its loss is below the best so far minus this, e.g. 0.001
 */
public record ValidationPolicy(List<TokenBatch> batches, int every, int patience, double minDelta) {

    public ValidationPolicy {
        if (batches == null || batches.isEmpty()) throw new IllegalArgumentException("validation needs at least one batch");
        batches = List.copyOf(batches);
        if (batches.stream().allMatch(b -> b.weightSum() == 0)) {
            throw new IllegalArgumentException("every validation batch has only zero loss weights");
        }
        if (every < 1) throw new IllegalArgumentException("eval_every must be >= 1, got " + every);
        if (patience < 0) throw new IllegalArgumentException("early_stopping_patience must be >= 0, got " + patience);
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("early_stopping_min_delta must be finite and >= 0, got " + minDelta);
        }
    }
}
