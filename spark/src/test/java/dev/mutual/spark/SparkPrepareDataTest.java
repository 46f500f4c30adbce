package dev.mutual.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * prepare_data with runner: spark in local[2] (MinHash signatures and eval n-gram lookups on executors, the
 * keep/drop decisions on the driver) writes the local runner's data.jsonl, dropped.jsonl and stats.json byte for byte.
 */
class SparkPrepareDataTest {

    /**
     * The dolly seed, the oasst1 pool and again the first 60 dolly records (exact dedup off, so near dedup must
     * catch those copies), decontaminated against the IFEval sample with 4-grams (short, so some items hit).
     */
    static final String RECIPE = """
            name: spark_prepare
            seed: 5
            stages:
              prep:
                type: prepare_data
                sources:
                  - {path: %1$s/seed_dolly_open_qa.jsonl, format: dolly}
                  - {path: %1$s/unlabelled_oasst1.jsonl, unlabelled: true}
                  - {path: %1$s/seed_dolly_open_qa.jsonl, format: dolly, limit: 60}
                exact_dedup: false
                near_dedup: {threshold: 0.5}
                decontamination:
                  ngram: 4
                  eval_sets: [{path: %1$s/eval_ifeval_prompts.jsonl, name: ifeval}]
            """.formatted(SparkRecipes.SAMPLES);

    @AfterAll
    static void stopSpark() {
        SparkShardRunner.stop();
    }

    @Test
    void sparkRunnerPreparesTheLocalRunnersFilesByteForByte() throws Exception {
        Path root = Files.createTempDirectory("mutual-spark-prepare");
        try {
            compare(root);
        } finally {
            SparkRecipes.deleteQuietly(root);
        }
    }

    private static void compare(Path root) throws Exception {
        Path local = SparkRecipes.runRecipe(root, "spark_prepare.yaml", RECIPE);
        Path spark = SparkRecipes.runRecipe(root, "spark_prepare.yaml", RECIPE, "runner=spark", "spark.master=local[2]");
        assertNotEquals(local, spark);
        // The Spark run computed signatures and n-gram lookups on Spark (not a cache hit on the local run's folder).
        String log = Files.readString(spark.resolve("log.txt"));
        assertTrue(log.matches("(?s).*near_dedup: \\d+ items in \\d+ partitions on Spark master local\\[2].*"), log);
        assertTrue(log.matches("(?s).*decontaminate: \\d+ items in \\d+ partitions on Spark master local\\[2].*"), log);
        // Both rules did drop items, so the comparison covers their decisions.
        JsonNode stats = new ObjectMapper().readTree(SparkRecipes.output(local, "prep", "stats.json"));
        long nearDropped = 0, deconDropped = 0;
        for (JsonNode s : stats.get("stages")) {
            long dropped = s.get("in").asLong() - s.get("out").asLong();
            if (s.get("stage").asText().equals("near_dedup")) nearDropped = dropped;
            if (s.get("stage").asText().equals("decontaminate")) deconDropped = dropped;
        }
        assertTrue(nearDropped >= 60, "near_dedup dropped " + nearDropped + ", expected at least the 60 copies");
        assertTrue(deconDropped > 0, "decontaminate dropped nothing");
        for (String file : new String[] {"data.jsonl", "dropped.jsonl", "stats.json"}) {
            assertArrayEquals(SparkRecipes.output(local, "prep", file), SparkRecipes.output(spark, "prep", file), file);
        }
    }
}
