package dev.mutual.experiments.cli;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input that used to exit 1 with a raw JDK or Jackson message: an --output that is a file or a directory (a
 * raw rename message), an override index beyond an int ("For input string"), and a results.json without metrics
 * or with a string metric (Jackson's "Cannot construct instance of `dev.mutual...`"). Each is one line, exit 2.
 */
class WrongExitCodeTest {
    static final Path QUICKSTART = Path.of("../recipes/quickstart.yaml");

    @TempDir
    Path dir;

    private static void oneLineExit2(CliRun run, String expected) {
        assertEquals(2, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertFalse(run.err().contains("Exception") || run.err().contains("dev.mutual."), run.err());
    }

    @Test
    void anOutputThatIsAFileOrADirectoryIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path pairs = Files.writeString(dir.resolve("pairs.jsonl"), "{\"instruction\": \"Why?\", \"response\": \"Because.\"}\n");
        oneLineExit2(CliRun.of("data", "prepare", "--input", pairs.toString(), "--no-decontaminate", "--output", file.toString()),
                "--output " + file + ": is a file (expected a directory to write into)");
        oneLineExit2(CliRun.of("data", "prepare", "--input", pairs.toString(), "--no-decontaminate", "--output", file.resolve("sub").toString()),
                "--output " + file.resolve("sub") + ": " + file.toAbsolutePath() + " is a file (expected a directory to write into)");
        Path stories = assumeShared("models/stories260K");
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"prompt\": \"Once\", \"target\": \" upon\"}\n");
        oneLineExit2(CliRun.of("score", "--model", stories.resolve("stories260K.bin").toString(), "--tokenizer",
                stories.resolve("tok512.bin").toString(), "--input", in.toString(), "--output", dir.toString()),
                "--output " + dir + ": is a directory (expected a file path to write)");
    }

    @Test
    void anOverrideIndexBeyondAnIntIsNamed() {
        oneLineExit2(CliRun.of("validate", QUICKSTART.toString(), "stages.prepare_seed.sources[99999999999].limit=1"),
                "[99999999999] is not an item of any list (expected an index below 1000000000)");
    }

    private Path results(String json) throws IOException {
        Path d = Files.createDirectories(dir.resolve("eval-" + Math.abs(json.hashCode())));
        EvalResultFiles.write(d, new EvalResult("gsm8k", 1, Map.of("acc", 0.5), "acc", 1, null, Map.of()),
                List.of(new EvalSample("q0", "p", "r", Map.of("acc", 1.0), null)));
        Files.writeString(d.resolve(EvalResultFiles.RESULTS), json);
        return d;
    }

    @Test
    void aResultsFileWithoutUsableMetricsIsNamed() throws IOException {
        Path good = results("{\"benchmark\": \"gsm8k\", \"version\": 1, \"metrics\": {\"acc\": 0.5}, \"primaryMetric\": \"acc\", \"n\": 1}");
        Path none = results("{\"benchmark\": \"gsm8k\", \"version\": 1, \"primaryMetric\": \"acc\", \"n\": 1}");
        oneLineExit2(CliRun.of("compare", none.toString(), "--baseline", good.toString(), "--output", dir.resolve("o1").toString()),
                none.resolve(EvalResultFiles.RESULTS) + ": key 'metrics' must be an object of metric name to number, found null");
        Path text = results("{\"benchmark\": \"gsm8k\", \"version\": 1, \"metrics\": {\"acc\": \"high\"}, \"primaryMetric\": \"acc\", \"n\": 1}");
        oneLineExit2(CliRun.of("compare", text.toString(), "--baseline", good.toString(), "--output", dir.resolve("o2").toString()),
                text.resolve(EvalResultFiles.RESULTS) + ": metric 'metrics.acc' must be a finite number, found \"high\"");
        Path primary = results("{\"benchmark\": \"gsm8k\", \"version\": 1, \"metrics\": {\"acc\": 0.5}, \"primaryMetric\": \"f1\", \"n\": 1}");
        oneLineExit2(CliRun.of("compare", primary.toString(), "--baseline", good.toString(), "--output", dir.resolve("o3").toString()),
                "key 'primaryMetric' must name one of the metrics [acc], found \"f1\"");
    }
}
