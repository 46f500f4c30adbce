package dev.mutual.trainer.inference;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Persistent helper threads for the decoder's parallel regions: {@link #run} hands parts 0..n-1 of one job to the
 * calling thread and the helpers, which take them from a shared counter, and returns when all are done.
 *
 * <p>Why not a ForkJoinPool: a batch-1 token of the 56M model is ~33 parallel regions of 50-400 us each, and
 * submitting a task to a ForkJoinPool and joining it from outside the pool costs the wake-up of a parked worker
 * each time (BENCHMARKS.md "Generation vs llama.cpp": 2 threads were slower than 1). Here the caller works on the job
 * itself, and helpers spin for a short while after each job before they park, so a job that follows within that
 * time (the next matmul of the same token) starts without a wake-up. Parts are taken dynamically, so a helper that
 * the OS has not scheduled costs no more than its parts, which the caller then does itself.
 *
 * <p>Jobs come from one thread at a time (the decoder's contract); a task must not start another job.
 */
final class WorkerTeam implements AutoCloseable {
    /** How long a helper spins for the next job before it parks. */
    private static final long SPIN_NANOS = 200_000;

    /** One job: its own counters, so a helper that wakes late finds nothing left instead of a later job's parts. */
    private static final class Job {
        final IntConsumer task;
        final int parts;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable error;

        Job(IntConsumer task, int parts) {
            this.task = task;
            this.parts = parts;
        }

        /** Runs parts until none is left. */
        void work() {
            for (int p = next.getAndIncrement(); p < parts; p = next.getAndIncrement()) {
                try {
                    task.accept(p);
                } catch (Throwable t) {
                    if (error == null) error = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private final Thread[] helpers;
    private final java.util.concurrent.atomic.AtomicIntegerArray parked;
    private volatile Job job;
    private volatile boolean closed;

    /** @param threads the caller plus threads - 1 helpers */
    WorkerTeam(int threads) {
        if (threads < 2) throw new IllegalArgumentException("a team needs at least 2 threads, got " + threads);
        helpers = new Thread[threads - 1];
        parked = new java.util.concurrent.atomic.AtomicIntegerArray(helpers.length);
        for (int i = 0; i < helpers.length; i++) {
            int id = i;
            helpers[i] = new Thread(() -> loop(id), "mutual-decoder-" + (i + 1));
            helpers[i].setDaemon(true);
            helpers[i].start();
        }
    }

    /** Threads that work on a job, the caller included. */
    int size() {
        return helpers.length + 1;
    }

    /** Runs task(0..parts-1) across the team and returns when every part is done; rethrows a part's failure. */
    void run(int parts, IntConsumer task) {
        if (closed) throw new IllegalStateException("the decoder is closed");
        Job j = new Job(task, parts);
        job = j;
        for (int i = 0; i < helpers.length; i++) {
            if (parked.get(i) != 0) LockSupport.unpark(helpers[i]);
        }
        j.work();
        // parts still running on helpers: they are short (one matmul slice), so spin, yielding now and then
        for (int spins = 0; j.done.get() < parts; spins++) {
            if ((spins & 255) == 255) Thread.yield();
            else Thread.onSpinWait();
        }
        Throwable t = j.error;
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        if (t != null) throw new RuntimeException(t);
    }

    private void loop(int id) {
        Job seen = null;
        while (!closed) {
            Job j = job;
            if (j != seen) {
                seen = j;
                j.work();
                continue;
            }
            long until = System.nanoTime() + SPIN_NANOS;
            while (job == seen && !closed && System.nanoTime() < until) {
                for (int i = 0; i < 64 && job == seen; i++) Thread.onSpinWait();
            }
            if (job == seen && !closed) {
                parked.set(id, 1);
                // re-check after announcing: a job published before the flag was set is seen here, one after is unparked
                if (job == seen && !closed) LockSupport.park(this);
                parked.set(id, 0);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread h : helpers) LockSupport.unpark(h);
    }
}
