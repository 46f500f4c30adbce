package dev.mutual.experiments.cli;

import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CompareCommandTest {

    private static void writeEval(Path dir, String benchmark, String model, int correct, int n) {
        List<EvalSample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            samples.add(new EvalSample("q" + i, "prompt " + i, "response", Map.of("exact_match", i < correct ? 1.0 : 0.0), null));
        }
        EvalResultFiles.write(dir, new EvalResult(benchmark, 1, Map.of("exact_match", (double) correct / n), "exact_match", n,
                new EvalResult.RunInfo(model, model + "-data", "recipes/quickstart.yaml", "abc"), Map.of()), samples);
    }

    @Test
    void compareWritesMarkdownCsvAndPngForTwoResultSets(@TempDir Path tmp) throws Exception {
        writeEval(tmp.resolve("runs/seed/eval/gsm8k"), "gsm8k", "seed", 20, 100);
        writeEval(tmp.resolve("runs/seed/eval/strategyqa"), "strategyqa", "seed", 50, 100);
        writeEval(tmp.resolve("runs/main/eval/gsm8k"), "gsm8k", "main", 30, 100);
        writeEval(tmp.resolve("runs/main/eval/strategyqa"), "strategyqa", "main", 50, 100);
        Path out = tmp.resolve("report");

        CliRun r = CliRun.of("compare", tmp.resolve("runs/main").toString(), "--baseline", tmp.resolve("runs/seed").toString(),
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("gsm8k") && r.out().contains("delta +0.1000"), r.out());
        assertTrue(r.out().contains("delta +0.0000  95% CI [+0.0000, +0.0000] n=100"), r.out());
        for (String f : List.of("comparison.md", "comparison.csv", "gsm8k.png", "strategyqa.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertEquals(800, ImageIO.read(out.resolve("gsm8k.png").toFile()).getWidth());
        assertTrue(Files.readString(out.resolve("comparison.md")).contains("| exact_match (primary) | main | 0.3000 | 0.2000 | +0.1000 |"));
    }

    @Test
    void missingBaselineIsBadInput(@TempDir Path tmp) {
        writeEval(tmp.resolve("a"), "gsm8k", "a", 1, 2);
        CliRun r = CliRun.of("compare", tmp.resolve("a").toString(), "--baseline", tmp.resolve("nope").toString(),
                "--output", tmp.resolve("out").toString());
        assertEquals(MutualCli.EXIT_BAD_INPUT, r.code());
        assertTrue(r.err().contains("nope: no such file or directory"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written on bad input");
    }

    /**
     * Issue #13: null sample scores made compare print "(no per-item scores)" with exit 0, a "NaN" string exited 1 with
     * a raw number-format message, and other broken fields quoted Jackson's "Cannot construct instance of
     * `dev.mutual...`". Each now gives one line, exit 2, naming the file, line and field.
     */
    @Test
    void brokenSampleAndResultFieldsAreBadInputNamingTheField(@TempDir Path tmp) throws Exception {
        writeEval(tmp.resolve("base"), "gsm8k", "base", 1, 2);
        Map<String, String> lines = new java.util.LinkedHashMap<>();
        lines.put("\"scores\":null", "key 'scores' must be an object of metric name to number ({} for an unscored item), found null");
        lines.put("\"scores\":{\"exact_match\":null}", "score 'scores.exact_match' must be a finite number, found null");
        lines.put("\"scores\":{\"exact_match\":\"NaN\"}", "score 'scores.exact_match' must be a finite number, found \"NaN\"");
        lines.put("\"scores\":{\"exact_match\":\"yes\"}", "score 'scores.exact_match' must be a finite number, found \"yes\"");
        lines.put("\"scores\":[1]", "key 'scores' must be an object of metric name to number ({} for an unscored item), found [1]");
        lines.put("\"other\":1", "key 'scores' must be an object of metric name to number ({} for an unscored item), found no scores");
        for (Map.Entry<String, String> bad : lines.entrySet()) {
            Path run = tmp.resolve("run");
            writeEval(run, "gsm8k", "run", 1, 2);
            Path samples = run.resolve("samples.jsonl");
            Files.writeString(samples, "{\"id\":\"q0\",\"prompt\":\"p\",\"response\":\"r\"," + bad.getKey() + "}\n"
                    + Files.readAllLines(samples).get(1) + "\n");
            CliRun r = CliRun.of("compare", run.toString(), "--baseline", tmp.resolve("base").toString(),
                    "--output", tmp.resolve("out").toString());
            assertEquals(MutualCli.EXIT_BAD_INPUT, r.code(), r.err());
            assertEquals("error: " + samples + ":1: " + bad.getValue() + "\n", r.err());
            assertFalse(Files.exists(tmp.resolve("out")), "nothing written on bad input");
        }
        // results.json: a string, a null or no metric at all.
        Map<String, String> metrics = Map.of(
                "\"exact_match\": \"0.5\"", "metric 'metrics.exact_match' must be a finite number, found \"0.5\"",
                "\"exact_match\": null", "metric 'metrics.exact_match' must be a finite number, found null");
        for (Map.Entry<String, String> bad : metrics.entrySet()) {
            Path run = tmp.resolve("run");
            writeEval(run, "gsm8k", "run", 1, 2);
            Path results = run.resolve("results.json");
            Files.writeString(results, Files.readString(results).replaceAll("\"exact_match\" : [0-9.]+", bad.getKey()));
            CliRun r = CliRun.of("compare", run.toString(), "--baseline", tmp.resolve("base").toString(),
                    "--output", tmp.resolve("out").toString());
            assertEquals(MutualCli.EXIT_BAD_INPUT, r.code(), r.err());
            assertEquals("error: " + results + ": " + bad.getValue() + "\n", r.err());
        }
    }
}
