package dev.mutual.experiments.pipeline;

import dev.mutual.data.Progress;
import dev.mutual.trainer.train.TrainStep;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What the user sees while a train stage runs: a line "train: 12/30 steps (40.0%) 0.52/s ETA 34s, loss 4.9344,
 * lr 2.60e-03, 1234 tok/s" logged every few seconds (stderr and the run's log.txt), and, on an interactive terminal,
 * a live bar on stderr with the same numbers. With the bar showing, the log lines come once a minute so they rarely
 * break it.
 */
final class TrainingProgress implements AutoCloseable {

    private final Progress log;
    private final ProgressBar bar;
    private final int total;
    private int done;
    private long tokens;
    private String note = "";

    /**
     * @param lines where the progress lines go (a logger's info)
     * @param bar   where to draw the live bar (System.err on a terminal), or null for lines only
     */
    TrainingProgress(Consumer<String> lines, String stage, int totalSteps, PrintStream bar) {
        this(lines, stage, totalSteps, 0, bar);
    }

    /** A run resumed after {@code startStep} steps: counts from there, the rate and ETA from what this attempt does. */
    TrainingProgress(Consumer<String> lines, String stage, int totalSteps, int startStep, PrintStream bar) {
        this.total = totalSteps;
        this.done = startStep;
        this.log = new Progress(lines, stage, totalSteps, "steps", bar == null ? 3000 : 60_000).startingAt(startStep);
        this.bar = bar == null ? null : new ProgressBarBuilder().setTaskName(stage).setInitialMax(totalSteps)
                .startsFrom(startStep, java.time.Duration.ZERO)
                .setUnit(" steps", 1).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(bar, 120)).build();
    }

    /** The bar's stream: stderr when this process talks to a terminal, else null. */
    static PrintStream terminal() {
        return System.console() != null ? System.err : null;
    }

    void step(TrainStep s) {
        done = s.step();
        tokens += s.tokens();
        note = String.format(Locale.ROOT, "loss %.4f, lr %.2e, %.0f tok/s", s.loss(), s.learningRate(),
                tokens / log.seconds());
        // The last step's line is the final one, logged by close().
        if (s.step() < total) log.update(s.step(), note);
        if (bar != null) {
            bar.setExtraMessage(note);
            bar.stepTo(s.step());
        }
    }

    /** Trained (non-zero weight) tokens per second since the start. */
    double tokensPerSecond() {
        return tokens / log.seconds();
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
        log.finish(done, note);
    }
}
