package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.engine.TokenBatch;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A run that survives: the {@link Trainer} loop plus checkpoints, exact resume, validation, early stopping and a
 * clear stop on divergence.
 *
 * <p>Resume is exact: a run killed (even with kill -9) and resumed from checkpoint N computes the same per-step
 * losses, bit for bit, as a run never interrupted. A checkpoint holds everything a step depends on: the trainable
 * tensors and AdamW's moments (fp32, exactly), the step count (bias correction and schedule position), the number
 * of micro-batches drawn (a resumed run draws as many from the same seeded sequence and drops them) and the
 * model's own random state (LoRA dropout). ND4J's CPU kernels are deterministic for a fixed thread count, which the
 * kill test checks across processes.
 *
 * <p>A NaN or infinite loss (or gradient norm) stops the run before the update, naming the step and the last good
 * checkpoint, which stays as it was: nothing is saved after a bad step.
 */
public final class TrainingRun {

    /**
     * @param totalSteps  optimizer steps of the whole run (the schedule's total)
     * @param checkpoints where and how often to save, or null for none
     * @param validation  validation and early stopping, or null for none
     * @param resume      continue from the newest checkpoint in the checkpoint folder when there is one; without
     *                    resume a folder that already holds checkpoints is refused
     * @param identity    the caller's description of the run that a resume must match, e.g. {@code seed},
     *                    {@code train_data_sha256}, recipe keys; the model, parameter shapes, batch shape,
     *                    accumulation, optimizer and schedule are added by the run itself
     */
    public record Options(int totalSteps, CheckpointPolicy checkpoints, ValidationPolicy validation, boolean resume,
                          Map<String, String> identity) {
        public Options {
            if (totalSteps < 1) throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
            if (resume && checkpoints == null) throw new IllegalArgumentException("resume needs a checkpoint folder");
            identity = Map.copyOf(identity);
        }
    }

    private final TrainableModel model;
    private final AdamW adamw;
    private final LrSchedule schedule;
    private final int accumulation;
    private final Options options;

    /** The same arguments as {@link Trainer}; {@code adamw} must be fresh (no steps taken). */
    public TrainingRun(TrainableModel model, AdamW adamw, LrSchedule schedule, int accumulation, Options options) {
        if (adamw.stepCount() != 0) {
            throw new IllegalArgumentException("the optimizer has taken " + adamw.stepCount()
                    + " steps already; a run starts from a fresh one (a checkpoint restores its state)");
        }
        if (schedule.totalSteps() != options.totalSteps()) {
            throw new IllegalArgumentException("the schedule runs " + schedule.totalSteps() + " steps, the run "
                    + options.totalSteps());
        }
        this.model = model;
        this.adamw = adamw;
        this.schedule = schedule;
        this.accumulation = accumulation;
        this.options = options;
    }

    /**
     * Trains to {@link Options#totalSteps} (or until early stopping), continuing from the newest checkpoint when
     * resuming. {@code microBatches} must be the run's sequence from its start, seeded as in the first attempt
     * (e.g. a new {@link ShuffledBatches} or {@link LengthBuckets} with the same seed): on resume the micro-batches already trained are
     * skipped.
     *
     * @throws IllegalStateException when the loss or gradient norm turns NaN or infinite; the message names the
     *                               step and the last good checkpoint
     * @throws UserInputException    when the checkpoint folder holds another run's checkpoints
     */
    public RunResult run(Iterator<TokenBatch> microBatches, RunListener listener) {
        Map<String, String> identity = identity();
        RunCheckpoints store = options.checkpoints() == null ? null : new RunCheckpoints(options.checkpoints().dir());
        RunState state = RunState.start(model.randomState(), identity);
        Path lastCheckpoint = null;
        int resumedFrom = 0;
        if (store != null) {
            store.removeLeftovers();
            Optional<Path> latest = store.latest();
            if (latest.isPresent() && !options.resume()) {
                throw new UserInputException(store.dir() + ": holds checkpoints of an earlier run (newest "
                        + latest.get().getFileName() + "); set resume to continue it, or train into a new output folder");
            }
            if (latest.isPresent()) {
                state = RunCheckpoints.load(latest.get(), model, adamw, identity);
                lastCheckpoint = latest.get();
                resumedFrom = state.step();
                skip(microBatches, state.microBatches());
                listener.onResume(state.step(), latest.get());
            }
        }
        CountingBatches counted = new CountingBatches(microBatches, state.microBatches());
        Trainer trainer = new Trainer(model, adamw, schedule, accumulation);
        ValidationPolicy val = options.validation();
        boolean stopEarly = val != null && val.patience() > 0 && state.evalsWithoutImprovement() >= val.patience();
        int step = state.step();
        while (step < options.totalSteps() && !stopEarly) {
            try {
                trainer.train(counted, 1, listener::onStep);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(stopped(step + 1, e.getMessage(), lastCheckpoint), e);
            }
            step++;
            int bestStep = state.bestStep();
            double bestLoss = state.bestLoss();
            int bad = state.evalsWithoutImprovement();
            if (val != null && step % val.every() == 0) {
                double loss = validationLoss(val);
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException(stopped(step, "the validation loss is " + loss, lastCheckpoint));
                }
                boolean improved = bestStep == 0 || loss < bestLoss - val.minDelta();
                if (improved) {
                    bestStep = step;
                    bestLoss = loss;
                    bad = 0;
                } else {
                    bad++;
                }
                stopEarly = val.patience() > 0 && bad >= val.patience();
                listener.onValidation(new Validation(step, loss, improved, bestStep, bestLoss, bad, stopEarly));
            }
            state = new RunState(step, counted.drawn, model.randomState(), bestStep, bestLoss, bad, identity);
            CheckpointPolicy cp = options.checkpoints();
            boolean due = cp != null && ((cp.every() > 0 && step % cp.every() == 0) || step == options.totalSteps()
                    || stopEarly);
            if (due) {
                lastCheckpoint = store.save(model, adamw, state);
                store.prune(cp.keepLast(), state.bestStep());
                listener.onCheckpoint(step, lastCheckpoint);
            }
        }
        return new RunResult(step, resumedFrom, stopEarly, state.bestStep(), state.bestLoss(), lastCheckpoint);
    }

    private static String stopped(int step, String why, Path lastCheckpoint) {
        return "training stopped at step " + step + ": " + why + ". " + (lastCheckpoint == null
                ? "No checkpoint was written yet." : "The last good checkpoint is " + lastCheckpoint + " (left as it was).");
    }

    /** Weighted mean loss over every validation batch, no gradients. */
    private double validationLoss(ValidationPolicy val) {
        double weighted = 0;
        double weights = 0;
        for (TokenBatch b : val.batches()) {
            double w = b.weightSum();
            if (w == 0) continue;
            weighted += w * model.loss(b);
            weights += w;
        }
        return weighted / weights;
    }

    /**
     * What a checkpoint must match to be resumed by this run: the model config, every trainable tensor's shape and
     * type, the batch shape, accumulation, optimizer and schedule, and the caller's keys.
     */
    public Map<String, String> identity() {
        Map<String, String> id = new TreeMap<>();
        addComponents(id, "model.", model.config());
        for (String name : model.parameterNames()) {
            id.put("tensor." + name, Arrays.toString(model.parameter(name).shape()) + " "
                    + model.parameter(name).dataType());
        }
        id.put("batch_size", Integer.toString(model.batchSize()));
        id.put("seq_len", Integer.toString(model.seqLen()));
        id.put("gradient_accumulation", Integer.toString(accumulation));
        addComponents(id, "optimizer.", adamw.config());
        id.put("optimizer.decayed", new TreeSet<>(adamw.decayed()).toString());
        addComponents(id, "schedule.", schedule);
        for (Map.Entry<String, String> e : options.identity().entrySet()) {
            if (id.containsKey(e.getKey())) {
                throw new IllegalArgumentException("identity key '" + e.getKey() + "' is the run's own");
            }
            id.put(e.getKey(), e.getValue());
        }
        return id;
    }

    private static void addComponents(Map<String, String> id, String prefix, Record r) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                id.put(prefix + c.getName(), String.valueOf(c.getAccessor().invoke(r)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
            }
        }
    }

    private static void skip(Iterator<TokenBatch> batches, long n) {
        if (batches instanceof ShuffledBatches s) {
            s.skip(n);
            return;
        }
        if (batches instanceof LengthBuckets b) {
            b.skip(n);
            return;
        }
        for (long i = 0; i < n; i++) batches.next();
    }

    /** Counts the micro-batches the trainer draws: the data position a checkpoint records. */
    private static final class CountingBatches implements Iterator<TokenBatch> {
        private final Iterator<TokenBatch> inner;
        private long drawn;

        CountingBatches(Iterator<TokenBatch> inner, long drawn) {
            this.inner = inner;
            this.drawn = drawn;
        }

        @Override
        public boolean hasNext() {
            return inner.hasNext();
        }

        @Override
        public TokenBatch next() {
            TokenBatch b = inner.next();
            drawn++;
            return b;
        }
    }
}
