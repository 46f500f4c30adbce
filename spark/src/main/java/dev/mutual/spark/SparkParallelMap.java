package dev.mutual.spark;

import dev.mutual.data.prepare.ParallelMap;
import dev.mutual.data.Progress;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.List;
import java.util.concurrent.ExecutionException;

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
            JavaFutureAction<List<R>> job = sc.parallelize(items, partitions).map(item -> f.apply(broadcast.value(), item)).collectAsync();
            // Partitions done / total, rate and ETA while the executors work, like the local runner's per-item progress.
            Progress progress = new Progress(log, stage + " (partitions on Spark)", partitions, "partitions", 5_000);
            while (!job.isDone()) {
                progress.update(finishedTasks(sc, job));
                Thread.sleep(500);
            }
            List<R> out = job.get();
            progress.finish(partitions, null);
            log.info("{}: {} items in {} partitions on Spark master {} in {} ms", stage, items.size(), partitions, master,
                    (System.nanoTime() - started) / 1_000_000);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(stage + ": interrupted while waiting for Spark", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(stage + ": Spark job failed: " + e.getCause(), e.getCause());
        } finally {
            broadcast.destroy();
        }
    }

    /** Tasks finished so far in the job's stages (one task per partition). */
    private static long finishedTasks(JavaSparkContext sc, JavaFutureAction<?> job) {
        long done = 0;
        for (int jobId : job.jobIds()) {
            SparkJobInfo info = sc.statusTracker().getJobInfo(jobId);
            if (info == null) continue;
            for (int stageId : info.stageIds()) {
                SparkStageInfo stageInfo = sc.statusTracker().getStageInfo(stageId);
                if (stageInfo != null) done += stageInfo.numCompletedTasks();
            }
        }
        return done;
    }
}
