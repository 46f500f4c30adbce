package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training loop, in the spirit of nanoGPT's train.py: per optimizer step, forward/backward over
 * {@code accumulation} micro-batches, one AdamW update at the schedule's learning rate, one callback.
 *
 * <p>Gradient accumulation reproduces the large batch exactly. Each micro-batch i returns the gradient of its own
 * mean loss L_i = sum_i(w nll) / W_i; the step's loss is normalised by the total weight W = sum_i W_i:
 * <pre>
 *   L = sum_i W_i L_i / W          dL/dp = sum_i W_i dL_i/dp / W
 * </pre>
 * so micro-batches with more weighted tokens count for more, as they would inside one batch (torchtune and HF
 * since 4.46 normalise the same way; dividing by the number of micro-batches would not).
 * A micro-batch whose weights are all 0 contributes nothing and is skipped. With one micro-batch per step the formula
 * is the micro-batch's own gradient, which goes to AdamW as the engine returns it: no accumulator copy of every
 * gradient (a model's worth of memory) and no three passes over it per step.
 */
public final class Trainer {

    private final TrainableModel model;
    private final AdamW adamw;
    private final LrSchedule schedule;
    private final int accumulation;
    /** Accumulated gradient per parameter, allocated once and zeroed every step; empty without accumulation. */
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();

    /**
     * @param model        the model; its parameters are updated in place through {@code adamw}
     * @param adamw        optimizer over the graph's parameters (e.g. {@link AdamW#forDecoder}); its learning rate
     *                     is the schedule's peak
     * @param accumulation micro-batches per optimizer step, e.g. 4 (effective batch = 4 * graph batch size)
     */
    public Trainer(TrainableModel model, AdamW adamw, LrSchedule schedule, int accumulation) {
        if (accumulation < 1) {
            throw new IllegalArgumentException("gradient_accumulation must be >= 1, got " + accumulation);
        }
        this.model = model;
        this.adamw = adamw;
        this.schedule = schedule;
        this.accumulation = accumulation;
        if (accumulation > 1) {
            for (String name : model.parameterNames()) gradients.put(name, model.parameter(name).ulike());
        }
    }

    /**
     * Runs {@code steps} optimizer steps, each taking {@code accumulation} micro-batches from {@code microBatches},
     * and calls {@code onStep} after each update. Continues the optimizer's step count (the schedule is indexed by
     * it), so a second call resumes where the first stopped.
     *
     * @throws IllegalStateException when a loss is NaN or infinite (before the update: the weights are those of
     *                               the last good step), or when {@code microBatches} runs out
     */
    public void train(Iterator<TokenBatch> microBatches, int steps, Consumer<TrainStep> onStep) {
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        for (int i = 0; i < steps; i++) {
            int step = adamw.stepCount() + 1;
            long start = System.nanoTime();
            for (INDArray g : gradients.values()) g.assign(0);
            double lr = schedule.learningRate(step - 1, adamw.config().learningRate());
            double gradNorm = Double.NaN;
            double weightedLoss = 0;   // sum_i W_i L_i
            double weightSum = 0;      // W
            long tokens = 0;
            for (int micro = 1; micro <= accumulation; micro++) {
                TokenBatch batch = next(microBatches, step, micro);
                double w = batch.weightSum();
                if (w == 0) continue;
                try (LossAndGradients lg = model.lossAndGradients(batch)) {
                    if (!Double.isFinite(lg.loss())) {
                        throw new IllegalStateException("loss is " + lg.loss() + " at step " + step
                                + " (micro-batch " + micro + " of " + accumulation + "); the weights are those after"
                                + " step " + (step - 1) + ". Hint: lower the learning rate or raise warmup_steps");
                    }
                    weightedLoss += w * lg.loss();
                    weightSum += w;
                    tokens += countWeighted(batch);
                    if (accumulation == 1) {
                        gradNorm = adamw.step(lg.gradients(), lr);   // W_1 dL_1/dp / W_1: the engine's gradient
                        continue;
                    }
                    for (Map.Entry<String, INDArray> e : lg.gradients().entrySet()) {
                        gradients.get(e.getKey()).addi(e.getValue().muli(w));
                    }
                }
            }
            if (weightSum == 0) {
                throw new IllegalStateException("step " + step + ": all " + accumulation
                        + " micro-batches have only zero loss weights, nothing to learn");
            }
            if (accumulation > 1) {
                for (INDArray g : gradients.values()) g.divi(weightSum);
                gradNorm = adamw.step(gradients, lr);
            }
            model.afterStep();
            double seconds = (System.nanoTime() - start) / 1e9;
            onStep.accept(new TrainStep(step, weightedLoss / weightSum, lr, gradNorm, tokens, weightSum, seconds));
        }
    }

    private static TokenBatch next(Iterator<TokenBatch> microBatches, int step, int micro) {
        try {
            return microBatches.next();
        } catch (NoSuchElementException e) {
            throw new IllegalStateException("ran out of micro-batches at step " + step + " (micro-batch " + micro
                    + "): give an endless sequence such as ShuffledBatches", e);
        }
    }

    private static long countWeighted(TokenBatch batch) {
        long n = 0;
        for (double[] row : batch.lossWeights()) for (double w : row) if (w != 0) n++;
        return n;
    }
}
