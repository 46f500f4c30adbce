package dev.mutual.experiments.pipeline;

import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import dev.mutual.eval.report.PairedBootstrap;
import dev.mutual.experiments.recipe.TableConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table stage on eval folders in the layout eval stages write: scores, deltas, intervals, diagnostics. */
class TableStageTest {

    @TempDir
    Path tmp;

    private final Map<String, Path> upstream = new LinkedHashMap<>();

    /** An eval stage's folder: IFEval (prompt- and instruction-level) and held-out likelihood, per item. */
    private void eval(String stage, long seed, double skill) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(stage));
        SplittableRandom rng = new SplittableRandom(seed);
        List<EvalSample> ifeval = new ArrayList<>(), heldout = new ArrayList<>();
        double prompts = 0, followed = 0, instructions = 0, loglik = 0;
        for (int i = 0; i < 40; i++) {
            int n = 1 + i % 3;
            int f = 0;
            for (int k = 0; k < n; k++) if (rng.nextDouble() < skill) f++;
            double all = f == n ? 1 : 0;
            ifeval.add(new EvalSample("p" + i, "prompt " + i, "reply", Map.of("prompt_level_strict_acc", all,
                    "inst_strict_followed", (double) f, "num_instructions", (double) n), Map.of()));
            prompts += all;
            followed += f;
            instructions += n;
            double ll = -3 + skill + 0.3 * rng.nextGaussian();
            heldout.add(new EvalSample("h" + i, "x", "y", Map.of("loglik_per_token", ll), Map.of()));
            loglik += ll;
        }
        EvalResultFiles.write(dir.resolve("ifeval"), new EvalResult("ifeval", 1, Map.of("prompt_level_strict_acc", prompts / 40,
                "inst_level_strict_acc", followed / instructions), "prompt_level_strict_acc", 40, EvalResult.RunInfo.UNKNOWN, Map.of()), ifeval);
        EvalResultFiles.write(dir.resolve("heldout"), new EvalResult("heldout", 1, Map.of("loglik_per_token", loglik / 40),
                "loglik_per_token", 40, EvalResult.RunInfo.UNKNOWN, Map.of()), heldout);
        Files.writeString(dir.resolve(EvalStage.SUMMARY), "{\"benchmarks\": {\"pairwise\": {\"against\": \"eval_base\", \"note\": \"no judge configured\"}}}");
        upstream.put(stage, dir);
    }

    private void diagnose(String stage, long seed, double separation) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(stage));
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            lines.append("{\"label\": 1, \"mutual\": ").append(separation + rng.nextGaussian()).append("}\n");
            lines.append("{\"label\": 0, \"mutual\": ").append(rng.nextGaussian()).append("}\n");
        }
        Files.writeString(dir.resolve(ReportStage.AUROC_PAIRS), lines);
        Files.writeString(dir.resolve(ReportStage.SPEARMAN), "{\"mutual\": {\"rho\": " + (0.1 * seed) + ", \"n\": 60}}");
        upstream.put(stage, dir);
    }

    private List<String[]> csv(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) rows.add(line.split(",", -1));
        return rows;
    }

    @Test
    void rowsCompareWithTheirVariantsBaselineOverSeedsAndItems() throws IOException {
        eval("eval_base_s1", 1, 0.3);
        eval("eval_base_s2", 2, 0.3);
        eval("eval_main_s1", 11, 0.6);
        eval("eval_main_s2", 12, 0.6);
        eval("eval_same_s1", 21, 0.3);
        eval("eval_same_s2", 22, 0.3);
        diagnose("diagnose_s1", 1, 1.0);
        diagnose("diagnose_s2", 2, 1.0);
        TableConfig config = new TableConfig("T: a test table", Map.of("all", new LinkedHashMap<>(Map.of(
                "seed_only", List.of("eval_base_s1", "eval_base_s2"),
                "main", List.of("eval_main_s1", "eval_main_s2"),
                "same", List.of("eval_same_s1", "eval_same_s2")))), "seed_only",
                Map.of("diagnose_r1", List.of("diagnose_s1", "diagnose_s2")), Map.of(), List.of(), "A test.");
        Path out = Files.createDirectories(tmp.resolve("table"));
        StageResult result = new TableStage(config, "t").run(new StageContext("table", out, upstream, false));
        assertEquals(3, result.metrics().get("lines"));
        assertEquals(2, result.metrics().get("seeds"));

        Map<String, String[]> byRowMetric = new LinkedHashMap<>();
        List<String[]> rows = csv(out.resolve(TableStage.CSV));
        List<String> header = List.of(rows.get(0));
        for (String[] r : rows.subList(1, rows.size())) byRowMetric.put(r[0] + " " + r[5], r);
        int score = header.indexOf("score"), delta = header.indexOf("delta"), low = header.indexOf("ci_low"), high = header.indexOf("ci_high");
        for (String metric : List.of("prompt_level_strict_acc", "inst_level_strict_acc", "loglik_per_token")) {
            String[] main = byRowMetric.get("main " + metric), base = byRowMetric.get("seed_only " + metric);
            // the delta is the difference of the summaries (per-item scores average, or pool, to them)
            assertEquals(Double.parseDouble(main[score]) - Double.parseDouble(base[score]), Double.parseDouble(main[delta]), 1e-9, metric);
            assertTrue(Double.parseDouble(main[low]) <= Double.parseDouble(main[delta])
                    && Double.parseDouble(main[delta]) <= Double.parseDouble(main[high]), metric);
            assertTrue(Double.parseDouble(main[low]) > 0, metric + ": a real improvement excludes 0");
            assertEquals("", base[delta]);
        }
        // with one seed the interval is the paired bootstrap's
        String md = Files.readString(out.resolve(TableStage.MARKDOWN));
        assertTrue(md.startsWith("# T: a test table\n"), md);
        assertTrue(md.contains("| main | 0."), md);
        assertTrue(md.contains("no judge configured"), md);
        assertTrue(md.contains("| diagnose_r1 | mutual | 0.7"), md);
        assertTrue(Files.isRegularFile(out.resolve("ifeval_prompt_level_strict_acc.png")));
        assertTrue(Files.isRegularFile(out.resolve("auroc_pairs_diagnose_s1.jsonl")));
        List<String[]> diag = csv(out.resolve(TableStage.DIAGNOSTICS_CSV));
        assertEquals("mutual", diag.get(1)[2]);
        assertEquals(0.15, Double.parseDouble(diag.get(1)[9]), 1e-12);  // mean rho over seeds 0.1 and 0.2
    }

    @Test
    void withOneSeedTheIntervalIsThePairedBootstrapOverItems() throws IOException {
        eval("eval_base_s1", 1, 0.3);
        eval("eval_main_s1", 11, 0.6);
        TableConfig config = new TableConfig(null, Map.of("all", Map.of("seed_only", List.of("eval_base_s1"), "main", List.of("eval_main_s1"))),
                "seed_only", Map.of(), Map.of(), List.of(), "A test.");
        Path out = Files.createDirectories(tmp.resolve("table"));
        new TableStage(config, "t").run(new StageContext("table", out, upstream, false));
        double[] run = new double[40], base = new double[40];
        List<EvalSample> r = EvalResultFiles.readSamples(tmp.resolve("eval_main_s1/heldout")), b = EvalResultFiles.readSamples(tmp.resolve("eval_base_s1/heldout"));
        for (int i = 0; i < 40; i++) {
            run[i] = r.get(i).scores().get("loglik_per_token");
            base[i] = b.get(i).scores().get("loglik_per_token");
        }
        PairedBootstrap.Interval paired = PairedBootstrap.DEFAULT.meanDifference(run, base);
        String[] row = csv(out.resolve(TableStage.CSV)).stream().filter(x -> x[0].equals("main") && x[5].equals("loglik_per_token")).findFirst().orElseThrow();
        assertEquals(paired.low(), Double.parseDouble(row[11]), 1e-9);
        assertEquals(paired.high(), Double.parseDouble(row[12]), 1e-9);
        assertTrue(Files.readString(out.resolve(TableStage.MARKDOWN)).startsWith("# Table: `t`"));
    }
}
