package dev.mutual.trainer.eager;

import static org.bytedeco.openblas.global.openblas.blas_get_num_threads;
import static org.bytedeco.openblas.global.openblas.blas_set_num_threads;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * How many threads the eager engine computes on: OpenBLAS's own threads for the big gemms, and Java threads (the
 * common pool) for the work split into independent parts (attention blocks, cross-entropy rows). One number for both,
 * so {@code bench train --threads 1} really runs on one core, as PyTorch's {@code torch.set_num_threads(1)}.
 *
 * <p>Why attention runs on Java threads with OpenBLAS at one thread: its gemms are small (a [R*T, hd] block against
 * [T, hd], e.g. 256 x 128 x 64) and many (6 per block, batch x KV heads blocks, per layer); OpenBLAS splitting each
 * over two threads spent most of its time waking and syncing them (BENCHMARKS.md "Training").
 */
public final class ComputeThreads {

    private static volatile int count = Runtime.getRuntime().availableProcessors();

    private ComputeThreads() {}

    /** The thread count (default: the available processors). */
    public static int count() {
        return count;
    }

    /** Sets the thread count for the engine and OpenBLAS (process-wide). */
    public static void set(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        count = threads;
        blas_set_num_threads(threads);
    }

    /**
     * Runs {@code body} for each part in [0, parts), split into {@link #count} contiguous ranges that run
     * concurrently, with OpenBLAS at one thread meanwhile (each range's gemms run on its own thread).
     */
    static void forEachPart(int parts, IntConsumer body) {
        int threads = Math.min(count, parts);
        if (threads <= 1) {
            for (int p = 0; p < parts; p++) body.accept(p);
            return;
        }
        int blasThreads = blas_get_num_threads();
        blas_set_num_threads(1);
        try {
            IntStream.range(0, threads).parallel().forEach(t -> {
                for (int p = t * parts / threads, end = (t + 1) * parts / threads; p < end; p++) body.accept(p);
            });
        } finally {
            blas_set_num_threads(blasThreads);
        }
    }

    /** A contiguous range [from, to) of {@code part}'s share of the work. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int part, int from, int to);
    }

    /**
     * Splits [0, n) into up to {@link #count} contiguous ranges that run concurrently (plain Java loops; OpenBLAS is
     * left as it is). {@code part} indexes per-thread scratch: below {@link #count}.
     */
    public static void forEachRange(int n, RangeBody body) {
        int threads = Math.min(count, n);
        if (threads <= 1) {
            body.run(0, 0, n);
            return;
        }
        IntStream.range(0, threads).parallel().forEach(t -> body.run(t, (int) ((long) t * n / threads),
                (int) ((long) (t + 1) * n / threads)));
    }
}
