package dev.mutual.spark;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real multi-process run: a Spark standalone master and two workers (one core each) on loopback, started here as
 * child JVMs from the Spark jars of the test classpath, run synthesize and score_pairs; one worker (with its
 * executor) is killed as soon as the first synthesize shard is written, and the job still finishes with the local
 * runner's outputs, byte for byte.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class StandaloneClusterTest {

    private static final List<Process> processes = new ArrayList<>();
    private static Path dir;
    private static int port;

    @BeforeAll
    static void startCluster() throws Exception {
        SparkRecipes.baseline(); // trains the models before the cluster takes CPU
        dir = Files.createTempDirectory("mutual-spark-cluster");
        // The worker builds each executor's command from SPARK_HOME: an empty jars/ there is enough, because the
        // executors get their classpath from spark.executor.extraClassPath (SparkShardRunner sets it).
        Files.createDirectories(dir.resolve("spark-home/jars"));
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss} %-5level %logger{0} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.spark.deploy" level="INFO"/>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--webui-port", "0");
        waitFor(() -> connects(port), "the master to listen on port " + port);
        for (int w = 1; w <= 2; w++) {
            start("worker" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                    "--webui-port", "0", "--work-dir", Files.createDirectories(dir.resolve("work" + w)).toString(),
                    "spark://127.0.0.1:" + port);
        }
        waitFor(() -> count(dir.resolve("master.log"), "Registering worker") >= 2, "two workers to register");
        System.setProperty("spark.driver.host", "127.0.0.1");
    }

    @AfterAll
    static void stopCluster() {
        SparkShardRunner.stop();
        System.clearProperty("spark.driver.host");
        for (Process p : processes) kill(p);
        if (dir != null) SparkRecipes.deleteQuietly(dir);
    }

    @Test
    void killedWorkerDoesNotChangeTheOutputs() throws Exception {
        Path root = SparkRecipes.baselineRoot();
        Path local = SparkRecipes.baseline();
        // Watches for the first finished synthesize shard of the cluster run, then kills worker 2 and its executor.
        AtomicInteger shardsAtKill = new AtomicInteger(-1);
        Thread killer = new Thread(() -> {
            try {
                waitFor(() -> shardFiles(root) > 0, "a first synthesize shard");
                shardsAtKill.set(shardFiles(root));
                kill(processes.get(2));
            } catch (Exception e) {
                shardsAtKill.set(-2);
            }
        });
        killer.setDaemon(true);
        killer.start();
        // shard_size 1: one partition per pool item, so the stage is still running when the worker dies.
        Path cluster = SparkRecipes.run(root, "runner=spark", "spark.master=spark://127.0.0.1:" + port,
                "stages.synth.shard_size=1", "stages.score.shard_size=2");
        killer.join(10_000);
        int items = Files.readAllLines(local.resolve("pool/data.jsonl")).size();
        assertTrue(shardsAtKill.get() > 0 && shardsAtKill.get() < items,
                "worker 2 was killed after " + shardsAtKill.get() + " of " + items + " shards");
        assertTrue(!processes.get(2).isAlive());
        String log = Files.readString(cluster.resolve("log.txt"));
        assertTrue(log.contains("on Spark master spark://127.0.0.1:" + port), log);
        assertArrayEquals(SparkRecipes.output(local, "synth", "candidates.jsonl"), SparkRecipes.output(cluster, "synth", "candidates.jsonl"));
        assertArrayEquals(SparkRecipes.output(local, "score", "scores.jsonl"), SparkRecipes.output(cluster, "score", "scores.jsonl"));
        assertArrayEquals(SparkRecipes.output(local, "keep", "decisions.jsonl"), SparkRecipes.output(cluster, "keep", "decisions.jsonl"));
    }

    /** Finished shard files of a synthesize stage at work under {@code root} (its synth.partial/shards/). */
    private static int shardFiles(Path root) {
        try (Stream<Path> files = Files.walk(root.resolve("runs"))) {
            return (int) files.filter(p -> p.getFileName().toString().matches("shard-\\d+\\.jsonl")
                    && p.getParent().getParent().getFileName().toString().equals("synth.partial")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a folder moved while walking
        }
    }

    private static void start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dlogback.configurationFile=" + dir.resolve("logback.xml")));
        cmd.addAll(SparkShardRunner.JVM_OPTIONS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", dir.resolve("spark-home").toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        processes.add(pb.start());
    }

    /** Kills a process and everything it started (a worker's executor). */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean connects(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long count(Path file, String text) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> l.contains(text)).count() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code check} every 100 ms for at most 120 s. */
    private static void waitFor(Check check, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!check.ok()) {
            for (Process p : processes) {
                if (!p.isAlive() && processes.indexOf(p) != 2) {
                    throw new AssertionError("a cluster process exited while waiting for " + what + "; logs in " + dir);
                }
            }
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what + "; logs in " + dir);
            Thread.sleep(100);
        }
    }
}
