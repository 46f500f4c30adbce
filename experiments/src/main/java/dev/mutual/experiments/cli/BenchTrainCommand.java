package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.eager.ComputeThreads;
import dev.mutual.trainer.train.TrainingBench;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mutual bench train}: training tokens/s (eager engine or SameDiff graph) on shared/bench/torch_llama_bench.py's config, printing
 * one JSON line last (tokens_per_s, mfu, peak_rss_mb) to set beside the PyTorch script's.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Training throughput (forward, backward, AdamW) of the d=256, 4-layer bench decoder.")
final class BenchTrainCommand implements Callable<Integer> {

    @Option(names = "--vocab", defaultValue = "32000", description = "vocabulary size (default ${DEFAULT-VALUE})")
    @Range(min = 16)
    int vocab;

    @Option(names = "--batch", defaultValue = "8", description = "sequences per step (default ${DEFAULT-VALUE})")
    @Range(min = 1)
    int batch;

    @Option(names = "--seq", defaultValue = "128", description = "tokens per sequence (default ${DEFAULT-VALUE})")
    @Range(min = 1)
    int seq;

    @Option(names = "--steps", defaultValue = "10", description = "timed steps (default ${DEFAULT-VALUE})")
    @Range(min = 1)
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed steps first (default ${DEFAULT-VALUE})")
    @Range(min = 0)
    int warmup;

    @Option(names = "--threads", description = "compute threads: OpenBLAS's and the engine's own (default: the"
            + " available processors)")
    @Range(min = 1)
    Integer threads;

    @Spec
    CommandSpec spec;

    @Option(names = "--engine", defaultValue = "eager",
            description = "eager (hand-written backward pass) or samediff (default ${DEFAULT-VALUE})")
    String engine;

    @Option(names = "--gc-every-step", negatable = true,
            description = "System.gc() after each step (default: on for samediff, whose per-step arrays wait for the"
                    + " GC; off for eager, which allocates nothing per step)")
    Boolean gcEveryStep;

    @Override
    public Integer call() {
        TrainingBench.Engine which = switch (engine) {
            case "eager" -> TrainingBench.Engine.EAGER;
            case "samediff" -> TrainingBench.Engine.SAMEDIFF;
            default -> throw new UserInputException("--engine: expected eager or samediff, found \"" + engine + "\"");
        };
        int computeThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ComputeThreads.set(computeThreads);
        boolean gc = gcEveryStep != null ? gcEveryStep : which == TrainingBench.Engine.SAMEDIFF;
        var settings = new TrainingBench.Settings(TrainingBench.torchBenchConfig(vocab), batch, seq, warmup, steps,
                gc, which);
        int total = warmup + steps;
        long start = System.nanoTime();
        // Every step for short runs; for long ones (--steps 2000, the flat-RSS check) about 20 lines.
        int every = Math.max(1, total / 20);
        TrainingBench.Result r = TrainingBench.run(settings, step -> {
            if (step % every == 0 || step == total || step <= warmup) {
                System.err.printf(Locale.ROOT, "step %d/%d (%s) %.1f s, RSS %.0f MB%n", step, total,
                        step <= warmup ? "warm-up" : "timed", (System.nanoTime() - start) / 1e9, ProcessUsage.rssMb());
            }
        });
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "{\"bench\":\"train\",\"engine\":\"%s\",\"threads\":%d,\"gc_every_step\":%b,\"vocab\":%d,"
                        + "\"batch\":%d,\"seq\":%d,\"steps\":%d,\"tokens_per_s\":%.1f,\"gflop_per_step\":%.2f,"
                        + "\"peak_gflops\":%.1f,\"mfu\":%.4f,\"peak_rss_mb\":%.0f,\"rss_after_warmup_mb\":%.0f,"
                        + "\"rss_end_mb\":%.0f,\"first_loss\":%.4f,\"last_loss\":%.4f,\"optimizer_ms\":%.2f}%n", engine,
                computeThreads, gc, vocab, batch, seq, steps,
                r.tokensPerSecond(), r.modelGflopPerStep(), r.peakGflops(), r.mfu(), r.peakRssMb(),
                r.rssAfterWarmupMb(), r.rssEndMb(), r.firstLoss(), r.lastLoss(), r.optimizerMs());
        out.flush();
        return 0;
    }
}
