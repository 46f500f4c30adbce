package dev.mutual.trainer.train;

/**
 * What one optimizer step did, handed to the caller's per-step callback (metrics.jsonl, progress).
 *
 * @param step         optimizer steps done so far, 1 for the first
 * @param loss         weighted mean loss over all micro-batches of the step: sum(w * nll) / sum(w)
 * @param learningRate the learning rate the update used (schedule * peak)
 * @param gradNorm     global L2 norm of the accumulated gradient before clipping
 * @param tokens       positions with a non-zero loss weight in the step's micro-batches
 * @param weightSum    sum of the loss weights of the step (equals tokens when all weights are 0 or 1)
 * @param seconds      wall time of the step: forward, backward, accumulation and update
 */
public record TrainStep(int step, double loss, double learningRate, double gradNorm, long tokens, double weightSum,
                        double seconds) {

    public TrainStep {
        if (step < 1) throw new IllegalArgumentException("step must be >= 1, got " + step);
        if (tokens < 0 || seconds < 0) {
            throw new IllegalArgumentException("tokens and seconds must be >= 0, got " + tokens + ", " + seconds);
        }
    }

    /** Trained (non-zero weight) tokens per second of this step. */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }
}
