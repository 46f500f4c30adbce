package dev.mutual.trainer.eager;

import static org.bytedeco.openblas.global.openblas.blas_get_num_threads;
import static org.bytedeco.openblas.global.openblas.blas_set_num_threads;

import java.util.function.IntConsumer;
import org.nd4j.linalg.factory.Nd4j;
import java.util.stream.IntStream;

/**
 * How many threads the eager engine computes on, and how it uses them: one set of Java threads (the common pool plus
 * the caller) does everything, gemms included. Inside a pass ({@link #singleThreadedBlas}) OpenBLAS runs on one
 * thread and each big gemm is split by rows of C over the compute threads ({@link Blas}); attention blocks,
 * cross-entropy rows and the elementwise loops are split the same way. One number for all of it, so
 * {@code bench train --threads 1} really runs on one core, as PyTorch's {@code torch.set_num_threads(1)}.
 *
 * <p>Why not OpenBLAS's own threads: after each gemm they spin for a while before sleeping, so a Java loop split
 * over the second core between two gemms fought a spinning OpenBLAS thread for it and gained nothing
 * (BENCHMARKS.md "Training"); with one kind of thread there is nothing to fight over.
 */
public final class ComputeThreads {

    /** Below this many FLOPs a gemm is not split: handing it over costs more than half of it takes. */
    private static final double SPLIT_FLOPS = 4e6;

    private static volatile int count = Runtime.getRuntime().availableProcessors();
    /** True on a thread while it runs a part: its gemms run whole (no nested splitting). */
    private static final ThreadLocal<Boolean> IN_PART = ThreadLocal.withInitial(() -> false);

    private ComputeThreads() {}

    /** The thread count (default: the available processors). */
    public static int count() {
        return count;
    }

    /**
     * Sets the thread count for the engine, for OpenBLAS outside the engine's passes and for ND4J's own ops
     * (process-wide). ND4J's backend is started first: starting it later would set OpenBLAS back to every core.
     */
    public static void set(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        count = threads;
        blas_set_num_threads(threads);
    }

    /** While open, OpenBLAS runs on the calling thread only; closing restores its thread count. */
    public interface BlasScope extends AutoCloseable {
        @Override
        void close();
    }

    /** OpenBLAS at one thread for an engine pass, which splits the work itself; a no-op at one compute thread. */
    static BlasScope singleThreadedBlas() {
        if (count <= 1) return () -> {};
        int before = blas_get_num_threads();
        blas_set_num_threads(1);
        return () -> blas_set_num_threads(before);
    }

    /** Into how many row ranges {@link Blas} splits an {@code m x n x k} gemm. */
    static int gemmParts(int m, int n, int k) {
        int threads = count;
        if (threads <= 1 || IN_PART.get() || 2.0 * m * n * k < SPLIT_FLOPS) return 1;
        return Math.max(1, Math.min(threads, splitsDepth(m, n, k) ? k / 1024 : m / 16));
    }

    /**
     * Whether {@link Blas} splits an {@code m x n x k} gemm by depth instead of rows: when k dwarfs both m and n (the
     * LM head's input gradient, k = vocabulary), so each thread streams only its share of the big operand.
     */
    static boolean splitsDepth(int m, int n, int k) {
        return k >= 4096 && k >= 8L * Math.max(m, n);
    }

    /**
     * Runs {@code body} for each part in [0, parts), split into {@link #count} contiguous ranges that run
     * concurrently; gemms inside a part run whole.
     */
    static void forEachPart(int parts, IntConsumer body) {
        int threads = Math.min(count, parts);
        if (threads <= 1 || IN_PART.get()) {
            for (int p = 0; p < parts; p++) body.accept(p);
            return;
        }
        IntStream.range(0, threads).parallel().forEach(t -> {
            boolean outer = IN_PART.get();
            IN_PART.set(true);
            try {
                for (int p = t * parts / threads, end = (t + 1) * parts / threads; p < end; p++) body.accept(p);
            } finally {
                IN_PART.set(outer);
            }
        });
    }

    /** A contiguous range [from, to) of {@code part}'s share of the work. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int part, int from, int to);
    }

    /**
     * Splits [0, n) into up to {@link #count} contiguous ranges that run concurrently (plain Java loops).
     * {@code part} indexes per-thread scratch: below {@link #count}.
     */
    public static void forEachRange(int n, RangeBody body) {
        int threads = Math.min(count, n);
        if (threads <= 1 || IN_PART.get()) {
            body.run(0, 0, n);
            return;
        }
        IntStream.range(0, threads).parallel().forEach(t -> body.run(t, (int) ((long) t * n / threads),
                (int) ((long) (t + 1) * n / threads)));
    }
}
