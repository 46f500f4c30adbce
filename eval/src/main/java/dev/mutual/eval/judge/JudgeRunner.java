package dev.mutual.eval.judge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Runs judgements with bounded concurrency and logs progress (done/total, rate, ETA) every few seconds. Results
 * keep the input order. The first failure stops the run; judgements already made are in the cache, so a re-run
 * resumes from there.
 */
public final class JudgeRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JudgeRunner.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final int maxConcurrency;

    public JudgeRunner(int maxConcurrency) {
        if (maxConcurrency < 1) throw new IllegalArgumentException("max concurrency must be >= 1, found " + maxConcurrency);
        this.maxConcurrency = maxConcurrency;
    }

    /** Computes {@code task.apply(i)} for i in [0, n); returns the results in index order. */
    public <R> List<R> run(String label, int n, IntFunction<R> task) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(maxConcurrency, n)), r -> {
            Thread t = new Thread(r, "judge-" + label);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.apply(index)));
            }
            List<R> results = new ArrayList<>(n);
            long start = System.nanoTime();
            long lastLog = start;
            for (int i = 0; i < n; i++) {
                results.add(await(futures.get(i)));
                long now = System.nanoTime();
                if (now - lastLog >= LOG_EVERY_NANOS || i == n - 1) {
                    lastLog = now;
                    double seconds = (now - start) / 1e9;
                    double rate = (i + 1) / Math.max(seconds, 1e-9);
                    LOG.info("{}: {}/{} judged ({}%), {}/s, ETA {}s", label, i + 1, n,
                            String.format("%.1f", 100.0 * (i + 1) / n), String.format("%.2f", rate),
                            String.format("%.0f", (n - i - 1) / rate));
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static <R> R await(Future<R> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JudgeException("interrupted while judging", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new JudgeException("judging failed: " + e.getCause(), e.getCause());
        }
    }
}
