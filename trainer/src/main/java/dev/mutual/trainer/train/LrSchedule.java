package dev.mutual.trainer.train;

/**
 * Learning-rate multiplier per optimizer step: linear warmup from 0, then cosine decay, linear decay or constant.
 * The formulas are HF transformers' {@code optimization.py} lambdas, applied by torch's {@code LambdaLR} with a
 * 0-based step counter (the first update uses step 0, so with warmup it runs at lr 0, as in HF's Trainer):
 * <pre>
 *   warmup (step &lt; W):  step / max(1, W)
 *   progress p       = (step - W) / max(1, T - W)
 *   COSINE:  min + (1 - min) * max(0, 0.5 * (1 + cos(pi * p)))  get_cosine_with_min_lr_schedule_with_warmup
 *                                                                  (min = 0: get_cosine_schedule_with_warmup)
 *   LINEAR:  max(0, (T - step) / max(1, T - W))                  get_linear_schedule_with_warmup
 *   CONSTANT: 1                                                   get_constant_schedule_with_warmup
 * </pre>
 *
 * @param shape       what follows the warmup
 * @param warmupSteps W, e.g. 100; 0 for none
 * @param totalSteps  T, the number of optimizer steps of the run, e.g. 1000; must exceed warmupSteps
 * @param minRatio    COSINE only: the floor as a fraction of the peak, e.g. 0.1 (nanoGPT's min_lr = lr / 10); 0
 *                    for the other shapes
 */
public record LrSchedule(Shape shape, int warmupSteps, int totalSteps, double minRatio) {

    public enum Shape { COSINE, LINEAR, CONSTANT }

    public LrSchedule {
        if (shape == null) throw new IllegalArgumentException("lr schedule shape is required (cosine, linear, constant)");
        if (warmupSteps < 0) throw new IllegalArgumentException("warmup_steps must be >= 0, got " + warmupSteps);
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("total steps (" + totalSteps + ") must exceed warmup_steps ("
                    + warmupSteps + ")");
        }
        if (!(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("min_lr_ratio must be in [0, 1], got " + minRatio);
        }
        if (shape != Shape.COSINE && minRatio != 0) {
            throw new IllegalArgumentException("min_lr_ratio applies to the cosine schedule only, got " + minRatio
                    + " with " + shape);
        }
    }

    public static LrSchedule cosine(int warmupSteps, int totalSteps, double minRatio) {
        return new LrSchedule(Shape.COSINE, warmupSteps, totalSteps, minRatio);
    }

    public static LrSchedule linear(int warmupSteps, int totalSteps) {
        return new LrSchedule(Shape.LINEAR, warmupSteps, totalSteps, 0);
    }

    public static LrSchedule constant(int warmupSteps, int totalSteps) {
        return new LrSchedule(Shape.CONSTANT, warmupSteps, totalSteps, 0);
    }

    /** The multiplier of the peak learning rate at 0-based optimizer step {@code step}. */
    public double factor(int step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
        double decaySteps = Math.max(1, totalSteps - warmupSteps);
        return switch (shape) {
            case COSINE -> {
                // Past totalSteps HF's cosine rises again; we hold the floor instead.
                double progress = Math.min(1, (step - warmupSteps) / decaySteps);
                double cosine = Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
                yield minRatio + (1 - minRatio) * cosine;
            }
            case LINEAR -> Math.max(0, (totalSteps - step) / decaySteps);
            case CONSTANT -> 1;
        };
    }

    /** The learning rate at 0-based step {@code step} for peak {@code peakLr}. */
    public double learningRate(int step, double peakLr) {
        return peakLr * factor(step);
    }
}
