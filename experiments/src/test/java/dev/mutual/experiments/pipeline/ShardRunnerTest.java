package dev.mutual.experiments.pipeline;

import dev.mutual.data.UserInputException;
import dev.mutual.experiments.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Choosing a runner: local always, spark only with the mutual-spark module on the classpath (not in this module). */
class ShardRunnerTest {

    @TempDir
    Path tmp;

    @Test
    void localIsBuiltInAndSparkNeedsItsModule() {
        assertInstanceOf(LocalShardRunner.class, ShardRunner.named("local"));
        UserInputException e = assertThrows(UserInputException.class, () -> ShardRunner.named("spark"));
        assertTrue(e.getMessage().startsWith("runner: spark: the Spark runner (module mutual-spark) is not on the classpath"),
                e.getMessage());
    }

    @Test
    void misspelledRunnerIsRefusedBeforeAnythingRuns() throws Exception {
        Path recipe = Files.writeString(tmp.resolve("r.yaml"), """
                name: r
                runner: sprak
                stages:
                  seed:
                    type: prepare_data
                    sources: [{path: %s, format: dolly}]
                """.formatted(Path.of("../samples/seed_dolly_open_qa.jsonl").toAbsolutePath()));
        CliRun run = CliRun.of("validate", recipe.toString());
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().contains("runner: expected local or spark, found \"sprak\"; did you mean 'spark'?"), run.err());
    }
}
