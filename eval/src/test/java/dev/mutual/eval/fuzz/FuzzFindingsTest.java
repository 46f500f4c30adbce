package dev.mutual.eval.fuzz;

import dev.mutual.data.UserInputException;
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
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the evaluation-file fuzzers found: a wrong type in results.json or samples.jsonl was reported in Jackson's words
 * ("Cannot deserialize value of type `java.lang.Double` from String ..."), naming Java classes instead of the key.
 */
class FuzzFindingsTest {
    @TempDir
    Path dir;

    @Test
    void wrongTypesInSamplesNameTheKey() throws IOException {
        EvalResultFiles.write(dir, new EvalResult("ifeval", 1, Map.of("acc", 1.0), "acc", 1, null, null),
                List.of(new EvalSample("0", "q", "a", Map.of("acc", 1.0), null)));
        Path samples = dir.resolve(EvalResultFiles.SAMPLES);
        String line = Files.readString(samples);
        String[][] cases = {
                {"\"acc\":1.0", "\"acc\":\"x\"", "score 'scores.acc' must be a finite number, found \"x\""},
                {"\"response\":\"a\"", "\"response\":[[]]", "key 'response' must be a string, found an array ([[]])"},
                {"\"scores\":{\"acc\":1.0}", "\"scores\":7", "key 'scores' must be an object of metric name to number ({} for an unscored item), found 7"}};
        for (String[] c : cases) {
            Files.writeString(samples, line.replace(c[0], c[1]));
            UserInputException e = assertThrows(UserInputException.class, () -> EvalResultFiles.readSamples(dir));
            assertEquals(samples + ":1: " + c[2], e.getMessage());
        }
    }

    @Test
    void wrongTypesInResultsNameTheKey() throws IOException {
        EvalResultFiles.write(dir, new EvalResult("ifeval", 1, Map.of("acc", 1.0), "acc", 1, null, null), List.of());
        Path results = dir.resolve(EvalResultFiles.RESULTS);
        Files.writeString(results, Files.readString(results).replaceFirst("\"recipe\" : \"unknown\"", "\"recipe\" : {}"));
        UserInputException e = assertThrows(UserInputException.class, () -> EvalResultFiles.readResult(dir));
        assertEquals(results + ": not a valid results.json (expected an object with benchmark, version, metrics {name: number},"
                + " primaryMetric, n, run, settings): key 'run.recipe': expected a string from Object value", e.getMessage());
    }
}
