package dev.mutual.eval.judge;

import dev.mutual.data.Progress;
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
    private static final long LOG_EVERY_MILLIS = 5000;

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
            Progress progress = new Progress(LOG, label, n, "judged", LOG_EVERY_MILLIS);
            for (int i = 0; i < n; i++) {
                results.add(await(futures.get(i)));
                progress.step();
            }
            progress.finish();
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
