package dev.mutual.spark;

import dev.mutual.experiments.pipeline.ModelPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * runner: spark in local[2] gives the local runner's synthesize, score_pairs and select outputs byte for byte,
 * with a different shard-to-partition layout than the local runner's one-after-another order.
 */
class SparkLocalModeTest {

    @AfterAll
    static void stopSpark() {
        SparkShardRunner.stop();
    }

    @Test
    void sparkRunnerWritesTheLocalRunnersFilesByteForByte() throws Exception {
        Path local = SparkRecipes.baseline();
        Path spark = SparkRecipes.run(SparkRecipes.baselineRoot(), "stages.synth.runner=spark", "stages.score.runner=spark", "spark.master=local[2]");
        assertNotEquals(local, spark);
        // The Spark run did run synthesize and scoring (its own log says so), not reuse the local run's folders.
        String log = Files.readString(spark.resolve("log.txt"));
        assertTrue(log.matches("(?s).*synth: \\d+ shards to run with runner spark.*"), log);
        assertTrue(log.matches("(?s).*score: \\d+ shards to run with runner spark.*"), log);
        assertArrayEquals(SparkRecipes.output(local, "synth", "candidates.jsonl"), SparkRecipes.output(spark, "synth", "candidates.jsonl"));
        assertArrayEquals(SparkRecipes.output(local, "score", "scores.jsonl"), SparkRecipes.output(spark, "score", "scores.jsonl"));
        assertArrayEquals(SparkRecipes.output(local, "keep", "decisions.jsonl"), SparkRecipes.output(spark, "keep", "decisions.jsonl"));
        assertFalse(Files.exists(spark.resolve("synth/shards")));
        // local[2] runs two tasks at a time in this JVM: at most two copies of each of the three models are opened,
        // once, for the 10 shards (5 synthesize, 5 scoring) that borrow them.
        int opened = ModelPool.SHARED.opened();
        assertTrue(opened >= 3 && opened <= 6, "models opened by the executor: " + opened);
    }
}
