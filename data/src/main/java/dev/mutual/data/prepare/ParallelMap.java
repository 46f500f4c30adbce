package dev.mutual.data.prepare;

import dev.mutual.data.Progress;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the per-example parts of a preparation stage run: {@link #LOCAL} in this thread, or on Spark executors
 * (module mutual-spark, {@code runner: spark}). Only pure per-item functions go through it (MinHash signatures,
 * eval n-gram lookups); the order-dependent keep/drop decisions stay in the stage, on the caller's side, so every
 * runner gives the same output.
 */
public interface ParallelMap {

    /**
     * {@code f(shared, item)} for every item, in the items' order. {@code shared} is the read-only state the
     * function needs (the MinHash salts, the eval n-gram index): Spark broadcasts it once per executor.
     */
    <C extends Serializable, T, R> List<R> map(String stage, List<T> items, C shared, Fn<C, T, R> f);

    /** A per-item function that can be shipped to another JVM. */
    interface Fn<C, T, R> extends Serializable {
        R apply(C shared, T item);
    }

    /** In this thread, one item after another, with progress in the log (the costly part of the stage). */
    ParallelMap LOCAL = new ParallelMap() {
        @Override
        public <C extends Serializable, T, R> List<R> map(String stage, List<T> items, C shared, Fn<C, T, R> f) {
            List<R> out = new ArrayList<>(items.size());
            Progress progress = new Progress(LoggerFactory.getLogger(ParallelMap.class), stage, items.size());
            for (T item : items) {
                out.add(f.apply(shared, item));
                progress.step();
            }
            progress.finish();
            return out;
        }
    };
}
