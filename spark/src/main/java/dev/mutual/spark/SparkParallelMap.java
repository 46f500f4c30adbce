package dev.mutual.spark;

import dev.mutual.data.prepare.ParallelMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.List;

/**
 * prepare_data's per-example work on Spark: the items are split into partitions, the shared state (MinHash salts,
 * the eval n-gram index) is broadcast once per executor, and each task runs the same function the local runner
 * calls; {@code collect} returns the results in the items' order, so the driver's keep/drop decisions see exactly
 * what they see locally.
 */
final class SparkParallelMap implements ParallelMap {
    private static final Logger log = LoggerFactory.getLogger(SparkParallelMap.class);

    private final String master;

    SparkParallelMap(String master) {
        this.master = master;
    }

    @Override
    public <C extends Serializable, T, R> List<R> map(String stage, List<T> items, C shared, Fn<C, T, R> f) {
        if (items.isEmpty()) return List.of();
        JavaSparkContext sc = SparkShardRunner.context(master); // started here: a stage with nothing to spread needs none
        int partitions = Math.max(1, Math.min(items.size(), 4 * sc.defaultParallelism()));
        long started = System.nanoTime();
        sc.setJobDescription("mutual " + stage);
        Broadcast<C> broadcast = sc.broadcast(shared);
        try {
            List<R> out = sc.parallelize(items, partitions).map(item -> f.apply(broadcast.value(), item)).collect();
            log.info("{}: {} items in {} partitions on Spark master {} in {} ms", stage, items.size(), partitions, master,
                    (System.nanoTime() - started) / 1_000_000);
            return out;
        } finally {
            broadcast.destroy();
        }
    }
}
