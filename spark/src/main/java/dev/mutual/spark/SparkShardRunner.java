package dev.mutual.spark;

import dev.mutual.data.UserInputException;
import dev.mutual.data.prepare.ParallelMap;
import dev.mutual.experiments.pipeline.ModelPool;
import dev.mutual.experiments.pipeline.ShardRunner;
import dev.mutual.experiments.pipeline.ShardWork;
import dev.mutual.experiments.recipe.SparkSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code runner: spark}: each missing shard is one partition of a Spark job; the task on an executor runs the
 * stage's own {@link ShardWork} with the executor's JVM-wide {@link ModelPool#SHARED} (so each executor loads a
 * model once and keeps it for every shard it runs), and sends the shard's lines back. The driver (this process)
 * hands each shard to the stage as its task finishes, and the stage writes it atomically, exactly as with the
 * local runner: a killed job leaves only whole shards, and a rerun runs only the missing ones.
 *
 * <p>One SparkContext per JVM, started on first use and stopped at exit (or by {@link #stop}).
 */
public final class SparkShardRunner implements ShardRunner {

    private static final Logger log = LoggerFactory.getLogger(SparkShardRunner.class);

    /** What executors need on Java 17 (Spark's own list) plus what Mutual's kernels need (Vector API, ND4J). */
    public static final List<String> JVM_OPTIONS = List.of(
            "-XX:+IgnoreUnrecognizedVMOptions",
            "--add-modules=jdk.incubator.vector",
            "-XX:CompileCommand=quiet",
            "-XX:CompileCommand=inline,dev.mutual.trainer.ops.Exp::exp",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-Xss4m",
            "-Dorg.nd4j.autodiff.samediff=false",
            "-Dfile.encoding=UTF-8");

    private static JavaSparkContext context;
    private static String contextMaster;

    @Override
    public String name() {
        return SPARK;
    }

    @Override
    public void run(String stage, ShardWork work, List<Integer> todo, SparkSettings spark, ModelPool models, Finished done)
            throws IOException {
        String master = spark.masterOr(System.getenv("MUTUAL_SPARK_MASTER"));
        JavaSparkContext sc = context(master);
        log.info("{}: {} shards as {} partitions on Spark master {} (default parallelism {})", stage, todo.size(), todo.size(),
                master, sc.defaultParallelism());
        sc.setJobDescription("mutual " + stage);
        JavaRDD<Integer> shards = sc.parallelize(todo, todo.size());
        List<Object> partitions = new ArrayList<>();
        for (int p = 0; p < todo.size(); p++) partitions.add(p);
        ClassTag<ShardWork.Output> tag = ClassTag$.MODULE$.apply(ShardWork.Output.class);
        Handler handler = new Handler(done);
        try {
            sc.sc().runJob(shards.rdd(), new Task(work), CollectionConverters.asScala(partitions).toSeq(), handler, tag);
        } catch (RuntimeException e) {
            if (handler.failure != null) throw handler.failure;
            throw new IllegalStateException(stage + ": the Spark job failed: " + firstLine(e), e);
        }
        if (handler.failure != null) throw handler.failure;
    }

    @Override
    public ParallelMap parallelMap(String stage, SparkSettings spark) {
        return new SparkParallelMap(spark.masterOr(System.getenv("MUTUAL_SPARK_MASTER")));
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    /** The executor side of one partition: its one shard index, computed by the stage's shard function. */
    private static final class Task extends AbstractFunction2<TaskContext, Iterator<Integer>, ShardWork.Output>
            implements Serializable {
        private final ShardWork work;

        Task(ShardWork work) {
            this.work = work;
        }

        @Override
        public ShardWork.Output apply(TaskContext context, Iterator<Integer> shard) {
            try {
                return work.run(shard.next(), ModelPool.SHARED);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The driver side: each finished partition's shard goes to the stage, one at a time (the scheduler's thread). */
    private static final class Handler extends AbstractFunction2<Object, ShardWork.Output, BoxedUnit> {
        private final Finished done;
        IOException failure;

        Handler(Finished done) {
            this.done = done;
        }

        @Override
        public BoxedUnit apply(Object partition, ShardWork.Output output) {
            if (failure == null) {
                try {
                    done.accept(output);
                } catch (IOException e) {
                    failure = e;
                }
            }
            return BoxedUnit.UNIT;
        }
    }

    /**
     * The JVM's SparkContext for {@code master}, started on first use. Executors get this JVM's classpath (Mutual
     * and Spark at the same paths on every worker, as on one machine or a shared install) and the JVM options
     * above, unless spark.executor.* system properties say otherwise.
     */
    static synchronized JavaSparkContext context(String master) {
        if (context != null && master.equals(contextMaster)) return context;
        stop();
        SparkConf conf = new SparkConf()
                .setMaster(master)
                .setAppName("mutual")
                .setIfMissing("spark.ui.enabled", "false")
                // Results are the shards' lines, written to disk one by one as they arrive: their sum over a job
                // (a whole pool's candidates) may pass the 1 GB default without the driver ever holding it.
                .setIfMissing("spark.driver.maxResultSize", "0")
                .setIfMissing("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .setIfMissing("spark.executor.extraJavaOptions", String.join(" ", JVM_OPTIONS))
                .setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        try {
            context = new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            throw new UserInputException("spark.master: cannot start Spark on \"" + master + "\": " + firstLine(e), e);
        }
        contextMaster = master;
        Runtime.getRuntime().addShutdownHook(new Thread(SparkShardRunner::stop));
        return context;
    }

    /** Stops the JVM's SparkContext, if one runs. */
    public static synchronized void stop() {
        if (context != null) {
            context.stop();
            context = null;
            contextMaster = null;
        }
    }
}
