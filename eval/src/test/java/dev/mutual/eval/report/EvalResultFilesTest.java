package dev.mutual.eval.report;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class EvalResultFilesTest {

    @Test
    void roundTripsResultsAndSamples(@TempDir Path dir) throws Exception {
        EvalResult result = new EvalResult("gsm8k", 1, Map.of("exact_match", 0.5), "exact_match", 2,
                new EvalResult.RunInfo("runs/x/forward", "seed-only", "recipes/quickstart.yaml", "abc123"),
                Map.of("num_fewshot", 8));
        List<EvalSample> samples = List.of(
                new EvalSample("0", "Q1", "The answer is 4.", Map.of("exact_match", 1.0), Map.of("extracted", "4")),
                new EvalSample("1", "Q2", "I don't know", Map.of("exact_match", 0.0), Map.of()));
        EvalResultFiles.write(dir, result, samples);

        assertEquals(result, EvalResultFiles.readResult(dir));
        assertEquals(samples, EvalResultFiles.readSamples(dir));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("results.json", "samples.jsonl"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp files are left behind");
        }
    }

    @Test
    void malformedSampleLineNamesFileAndLine(@TempDir Path dir) throws Exception {
        EvalResultFiles.write(dir, new EvalResult("ifeval", 1, Map.of("acc", 1.0), "acc", 1, null, null),
                List.of(new EvalSample("a", "p", "r", Map.of("acc", 1.0), null)));
        Files.writeString(dir.resolve("samples.jsonl"), "{\"id\":\"a\",\"scores\":{}}\n{broken\n");
        UserInputException e = assertThrows(UserInputException.class, () -> EvalResultFiles.readSamples(dir));
        assertTrue(e.getMessage().contains("samples.jsonl:2:"), e.getMessage());
    }

    @Test
    void primaryMetricMustBeAMetric() {
        assertThrows(IllegalArgumentException.class,
                () -> new EvalResult("x", 1, Map.of("acc", 1.0), "f1", 1, null, null));
    }
}
