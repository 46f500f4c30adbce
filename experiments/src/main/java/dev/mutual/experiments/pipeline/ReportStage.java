package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.report.ComparedRun;
import dev.mutual.eval.report.Comparison;
import dev.mutual.eval.report.ComparisonReport;
import dev.mutual.eval.report.DeltaChart;
import dev.mutual.eval.report.EvalDirectory;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.MetricComparison;
import dev.mutual.eval.report.PairedBootstrap;
import dev.mutual.experiments.recipe.ReportConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code report} stage: one page comparing the recipe's data strategies. {@value #MARKDOWN} opens with the run's
 * scale (the recipe's {@code scale_note}), then per benchmark each strategy's primary metric with its delta against
 * the baseline and a 95% paired bootstrap interval ({@link Comparison}, as {@code mutual compare}), pairwise judging,
 * the filter diagnostics (each diagnose stage's {@code auroc_pairs.jsonl} is copied here and its AUROCs recomputed
 * from the copy), selection counts and the cost of each stage. {@value #CSV} has every metric; one PNG per benchmark
 * charts the deltas. Diagnose and select stages are read by the file names the design gives them.
 */
final class ReportStage implements Stage {
    static final String MARKDOWN = "report.md";
    static final String CSV = "report.csv";
    static final String AUROC_PAIRS = "auroc_pairs.jsonl";
    static final String AUROC = "auroc.json";
    static final String SPEARMAN = "spearman.json";
    static final String SELECT_SUMMARY = "summary.json";
    /** auroc.json keys that count pairs rather than name a score. */
    private static final Set<String> AUROC_COUNTS = Set.of("positives", "negatives", "pairs", "lines", "n");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReportConfig config;
    private final String recipeName;

    ReportStage(ReportConfig config, String recipeName) {
        this.config = config;
        this.recipeName = recipeName;
    }

    @Override
    public int codeVersion() {
        return 1;
    }

    @Override
    public List<Path> inputFiles() {
        return List.of();
    }

    /**
     * One strategy's evaluations.
     *
     * @param benchmarks benchmark folder name to its evaluation (samples empty when the folder has no samples.jsonl)
     * @param summary    the eval stage's summary.json (pairwise notes), or an empty object
     */
    private record Strategy(String name, String stage, Map<String, EvalDirectory> benchmarks, JsonNode summary) {}

    /**
     * One line of report.csv; the primary-metric lines make the tables of report.md.
     *
     * @param baselineScore null when the baseline has no such metric
     * @param delta         null for the baseline itself and when there is nothing to compare with
     * @param ci            null without per-item scores on both sides
     * @param n             items scored (paired items when there is an interval)
     * @param note          what the reader must know about the line, or ""
     */
    record Row(String strategy, String stage, String benchmark, String metric, boolean primary, Double score,
               Double baselineScore, Double delta, PairedBootstrap.Interval ci, int n, String note) {}

    @Override
    public StageResult run(StageContext ctx) {
        Path out = ctx.workDir();
        List<Strategy> strategies = new ArrayList<>();
        config.strategies().forEach((name, stage) -> strategies.add(load(name, stage, ctx.upstreamDir(stage))));
        Strategy baseline = strategies.stream().filter(s -> s.name().equals(config.baseline())).findFirst().orElseThrow();
        Comparison comparison = compare(strategies, baseline);
        List<String> benchmarks = new ArrayList<>();
        for (String b : EvalStage.BENCHMARKS) {
            if (strategies.stream().anyMatch(s -> s.benchmarks().containsKey(b))) benchmarks.add(b);
        }
        List<Row> rows = rows(strategies, baseline, benchmarks, comparison);
        List<String> notes = new ArrayList<>(comparison == null ? List.of() : comparison.notes());

        StringBuilder md = new StringBuilder();
        md.append("# Report: `").append(recipeName).append("`\n\n");
        md.append("**Scale.** ").append(config.scaleNote().strip()).append(' ').append(scope(strategies, baseline, benchmarks)).append("\n");
        benchmarksSection(md, rows, benchmarks, comparison, out);
        pairwiseSection(md, strategies);
        int diagnosed = 0;
        for (String d : config.diagnostics()) {
            String copy = config.diagnostics().size() == 1 ? AUROC_PAIRS : "auroc_pairs_" + d + ".jsonl";
            diagnosticsSection(md, d, ctx.upstreamDir(d), out.resolve(copy), notes);
            diagnosed++;
        }
        for (String s : config.selections()) selectionSection(md, s, ctx.upstreamDir(s));
        costSection(md, ctx);
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            for (String note : notes) md.append("- ").append(note).append('\n');
        }
        AtomicFile.writeString(out.resolve(CSV), csv(rows));
        AtomicFile.writeString(out.resolve(MARKDOWN), md.toString());

        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("strategies", strategies.size());
        metrics.put("benchmarks", benchmarks.size());
        metrics.put("rows", rows.size());
        metrics.put("diagnostics", diagnosed);
        return new StageResult(metrics);
    }

    /** Reads an eval stage's benchmark folders; a folder without per-item scores gets none (shown without an interval). */
    private static Strategy load(String name, String stage, Path dir) {
        return new Strategy(name, stage, benchmarks(dir), summary(dir));
    }

    /** An eval stage folder's benchmark folders by name (samples empty when a folder has no samples.jsonl). */
    static Map<String, EvalDirectory> benchmarks(Path dir) {
        Map<String, EvalDirectory> benchmarks = new LinkedHashMap<>();
        for (String b : EvalStage.BENCHMARKS) {
            Path d = dir.resolve(b);
            if (!Files.isRegularFile(d.resolve(EvalResultFiles.RESULTS))) continue;
            boolean samples = Files.isRegularFile(d.resolve(EvalResultFiles.SAMPLES));
            benchmarks.put(b, new EvalDirectory(d, EvalResultFiles.readResult(d), samples ? EvalResultFiles.readSamples(d) : List.of()));
        }
        return benchmarks;
    }

    /** An eval stage folder's summary.json, or an empty object. */
    static JsonNode summary(Path dir) {
        Path summary = dir.resolve(EvalStage.SUMMARY);
        return Files.isRegularFile(summary) ? readJson(summary) : JSON.createObjectNode();
    }

    /** The strategies against the baseline, or null when the baseline evaluated no benchmark to compare. */
    private static Comparison compare(List<Strategy> strategies, Strategy baseline) {
        if (baseline.benchmarks().isEmpty()) return null;
        List<ComparedRun> runs = new ArrayList<>();
        for (Strategy s : strategies) {
            if (s != baseline && !s.benchmarks().isEmpty()) runs.add(new ComparedRun(s.name(), Path.of(s.stage()), s.benchmarks()));
        }
        ComparedRun base = new ComparedRun(baseline.name(), Path.of(baseline.stage()), baseline.benchmarks());
        return Comparison.of(base, runs, PairedBootstrap.DEFAULT);
    }

    /** Every strategy's every metric, benchmark by benchmark, primary metric first. */
    private static List<Row> rows(List<Strategy> strategies, Strategy baseline, List<String> benchmarks, Comparison comparison) {
        List<Row> rows = new ArrayList<>();
        for (String b : benchmarks) {
            String primary = primaryMetric(strategies, baseline, b);
            for (Strategy s : strategies) {
                EvalDirectory e = s.benchmarks().get(b);
                if (e == null) {
                    rows.add(new Row(s.name(), s.stage(), b, primary, true, null, null, null, null, 0, "not evaluated"));
                    continue;
                }
                EvalResult r = e.result();
                List<String> metrics = new ArrayList<>();
                if (r.metrics().containsKey(primary)) metrics.add(primary);
                for (String m : new TreeSet<>(r.metrics().keySet())) if (!m.equals(primary)) metrics.add(m);
                for (String m : metrics) {
                    double score = r.metrics().get(m);
                    if (s == baseline) {
                        rows.add(new Row(s.name(), s.stage(), b, m, m.equals(primary), score, score, null, null, r.n(), "baseline"));
                        continue;
                    }
                    MetricComparison c = comparison == null ? null : comparison.rows().stream()
                            .filter(x -> x.benchmark().equals(b) && x.metric().equals(m) && x.run().equals(s.name()))
                            .findFirst().orElse(null);
                    if (c == null) {
                        rows.add(new Row(s.name(), s.stage(), b, m, m.equals(primary), score, null, null, null, r.n(),
                                "the baseline has no " + b + " " + m));
                    } else {
                        rows.add(new Row(s.name(), s.stage(), b, m, m.equals(primary), score, c.baselineScore(), c.delta(), c.ci(),
                                c.ci() == null ? r.n() : c.nPaired(), c.ci() == null ? "no per-item scores: no interval" : ""));
                    }
                }
            }
        }
        return rows;
    }

    /** The baseline's primary metric of a benchmark, else the first strategy's that evaluated it. */
    private static String primaryMetric(List<Strategy> strategies, Strategy baseline, String benchmark) {
        if (baseline.benchmarks().containsKey(benchmark)) return baseline.benchmarks().get(benchmark).result().primaryMetric();
        for (Strategy s : strategies) {
            if (s.benchmarks().containsKey(benchmark)) return s.benchmarks().get(benchmark).result().primaryMetric();
        }
        throw new IllegalStateException("no strategy evaluated " + benchmark);
    }

    /** The sentence after the scale note: which strategies, which baseline, how many items per benchmark. */
    private String scope(List<Strategy> strategies, Strategy baseline, List<String> benchmarks) {
        List<String> names = new ArrayList<>();
        for (Strategy s : strategies) names.add("**" + s.name() + "** (eval stage `" + s.stage() + "`)");
        List<String> sizes = new ArrayList<>();
        for (String b : benchmarks) {
            int n = 0;
            for (Strategy s : strategies) if (s.benchmarks().containsKey(b)) n = Math.max(n, s.benchmarks().get(b).result().n());
            sizes.add(b + " " + n);
        }
        return "Strategies: " + String.join(", ", names) + "; baseline **" + baseline.name() + "**."
                + (sizes.isEmpty() ? "" : " Items evaluated per strategy: " + String.join(", ", sizes) + ".");
    }

    private void benchmarksSection(StringBuilder md, List<Row> rows, List<String> benchmarks, Comparison comparison, Path out) {
        if (benchmarks.isEmpty()) return;
        PairedBootstrap bootstrap = PairedBootstrap.DEFAULT;
        md.append("\n## Benchmarks\n\n");
        md.append("Delta = mean over the items both strategies scored of (strategy - baseline `").append(config.baseline())
                .append("`); 95% CI: paired percentile bootstrap over those items (").append(bootstrap.resamples())
                .append(" resamples, seed ").append(bootstrap.seed()).append("); n = items (paired items where there is an interval). ")
                .append("Every metric is in `").append(CSV).append("`.\n");
        for (String b : benchmarks) {
            List<Row> primary = rows.stream().filter(r -> r.benchmark().equals(b) && r.primary()).toList();
            md.append("\n### ").append(b).append(": ").append(primary.get(0).metric()).append("\n\n");
            md.append("| strategy | score | delta vs ").append(config.baseline()).append(" | 95% CI | n |\n|---|---:|---:|---|---:|\n");
            for (Row r : primary) {
                md.append("| ").append(r.strategy()).append(r.note().equals("baseline") ? " (baseline)" : "").append(" | ")
                        .append(r.score() == null ? "not evaluated" : num(r.score())).append(" | ")
                        .append(r.delta() == null ? "" : signed(r.delta())).append(" | ")
                        .append(r.ci() != null ? "[" + signed(r.ci().low()) + ", " + signed(r.ci().high()) + "]"
                                : r.note().equals("baseline") ? "" : r.note())
                        .append(" | ").append(r.score() == null ? "" : Integer.toString(r.n())).append(" |\n");
            }
            List<MetricComparison> charted = comparison == null ? List.of() : comparison.rows().stream()
                    .filter(c -> c.benchmark().equals(b) && c.primary()).toList();
            if (!charted.isEmpty()) {
                String png = ComparisonReport.chartFileName(b);
                AtomicFile.writeBytes(out.resolve(png), DeltaChart.png(b, charted.get(0).metric(), config.baseline(), charted));
                md.append("\n![").append(b).append("](").append(png).append(")\n");
            }
        }
    }

    private static void pairwiseSection(StringBuilder md, List<Strategy> strategies) {
        List<String> lines = new ArrayList<>();
        for (Strategy s : strategies) {
            JsonNode p = s.summary().path("benchmarks").path(EvalStage.PAIRWISE);
            if (!p.has("against")) continue;
            String result = p.has("value")
                    ? String.format(Locale.ROOT, "%.2f +/- %.2f", p.get("value").asDouble(), p.path("standard_error").asDouble())
                    : p.path("note").asText(EvalStage.NO_JUDGE);
            lines.add("| " + s.name() + " | " + p.get("against").asText() + " | " + p.path("judge").asText("") + " | " + result + " | "
                    + (p.has("n") ? p.get("n").asText() : "") + " |");
        }
        if (lines.isEmpty()) return;
        md.append("\n## Pairwise judging\n\nWin rate (%) of each strategy's answers against another eval stage's answers to the same ")
                .append("prompts, AlpacaEval-style (a draw counts half; +/- one standard error).\n\n")
                .append("| strategy | against (eval stage) | judge | win rate | n judged |\n|---|---|---|---|---:|\n");
        for (String line : lines) md.append(line).append('\n');
    }

    /** Copies the stage's auroc_pairs.jsonl beside the report and writes the AUROCs computed from the copy. */
    private static void diagnosticsSection(StringBuilder md, String stage, Path dir, Path copy, List<String> notes) {
        Path pairs = dir.resolve(AUROC_PAIRS);
        if (!Files.isRegularFile(pairs)) {
            throw new UserInputException("diagnostics: stage '" + stage + "' has no " + AUROC_PAIRS + " in " + dir);
        }
        AtomicFile.copy(pairs, copy);
        JsonNode reported = Files.isRegularFile(dir.resolve(AUROC)) ? readJson(dir.resolve(AUROC)) : null;
        List<String> names = null;
        if (reported != null) {
            names = new ArrayList<>();
            for (Iterator<String> it = reported.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                // a score whose AUROC is undefined (null: e.g. no gold pair got a rating) still gets its row, as n/a
                if (!AUROC_COUNTS.contains(name) && (reportedAuroc(reported, name) != null || reported.get(name).has("auroc"))) {
                    names.add(name);
                }
            }
        }
        AurocPairs aurocs = AurocPairs.read(copy, names);
        md.append("\n## Filter diagnostics: `").append(stage).append("`\n\n");
        md.append("`").append(copy.getFileName()).append("` (copied here from the stage) holds ").append(aurocs.lines())
                .append(" scored pairs: ").append(aurocs.positives()).append(" gold (label 1) and ").append(aurocs.negatives())
                .append(" with a shuffled instruction (label 0). AUROC = the chance that a gold pair scores higher than a shuffled ")
                .append("one (ties count half; 0.5 is chance), computed here from that file.\n\n");
        md.append("| score | AUROC | gold / shuffled pairs scored |\n|---|---:|---|\n");
        for (Map.Entry<String, AurocPairs.Score> e : aurocs.scores().entrySet()) {
            AurocPairs.Score s = e.getValue();
            md.append("| ").append(e.getKey()).append(" | ").append(num(s.auroc())).append(" | ").append(s.positives())
                    .append(" / ").append(s.negatives()).append(" |\n");
            Double stated = reported == null ? null : reportedAuroc(reported, e.getKey());
            if (stated != null && !(Math.abs(stated - s.auroc()) <= 1e-9)) {
                notes.add(stage + ": " + AUROC + " gives " + e.getKey() + " AUROC " + stated + ", the pairs file " + s.auroc()
                        + "; the table shows the file's");
            }
        }
        Path spearman = dir.resolve(SPEARMAN);
        if (Files.isRegularFile(spearman)) {
            md.append("\nSpearman correlation of each score with human quality scores (`").append(SPEARMAN).append("`):\n\n");
            table(md, "value", readJson(spearman));
        }
    }

    /** An AUROC as auroc.json states it: {"score": 0.71} or {"score": {"auroc": 0.71, ...}}; null if neither. */
    private static Double reportedAuroc(JsonNode reported, String name) {
        JsonNode v = reported.get(name);
        if (v != null && v.isNumber()) return v.asDouble();
        if (v != null && v.path("auroc").isNumber()) return v.get("auroc").asDouble();
        return null;
    }

    private static void selectionSection(StringBuilder md, String stage, Path dir) {
        Path summary = dir.resolve(SELECT_SUMMARY);
        if (!Files.isRegularFile(summary)) throw new UserInputException("selections: stage '" + stage + "' has no " + SELECT_SUMMARY + " in " + dir);
        md.append("\n## Selection: `").append(stage).append("`\n\nCounts from its `").append(SELECT_SUMMARY).append("`:\n\n");
        table(md, "count", readJson(summary));
    }

    /** Seconds from each stage's _SUCCESS.json (the attempt that made its outputs) and tokens/s from its metrics. */
    private void costSection(StringBuilder md, StageContext ctx) {
        if (config.costs().isEmpty()) return;
        md.append("\n## Cost\n\nSeconds of the attempt that produced each stage's outputs (from its `").append(Manifest.FILE)
                .append("`; a cached stage keeps its first run's time) and tokens/s where the stage measures it.\n\n");
        md.append("| stage | type | seconds | tokens/s |\n|---|---|---:|---:|\n");
        double total = 0;
        for (String name : config.costs()) {
            Manifest m = Manifest.readFrom(ctx.upstreamDir(name));
            if (m == null) throw new IllegalStateException("stage " + name + " has no readable " + Manifest.FILE);
            Number tps = m.metrics().get("tokens_per_s");
            md.append("| ").append(name).append(" | ").append(m.type()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", m.elapsedSeconds())).append(" | ")
                    .append(tps == null ? "" : String.format(Locale.ROOT, "%.0f", tps.doubleValue())).append(" |\n");
            total += m.elapsedSeconds();
        }
        md.append("| total | | ").append(String.format(Locale.ROOT, "%.1f", total)).append(" | |\n");
    }

    /** A JSON object's scalars as a two-column table; nested objects give dotted keys. */
    private static void table(StringBuilder md, String column, JsonNode json) {
        md.append("| key | ").append(column).append(" |\n|---|---:|\n");
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", json, flat);
        flat.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else if (node.isIntegralNumber()) {
            out.put(prefix, node.asText());
        } else if (node.isNumber()) {
            out.put(prefix, num(node.asDouble()));
        } else {
            out.put(prefix, node.isTextual() ? node.asText() : node.toString());
        }
    }

    static String csv(List<Row> rows) {
        StringBuilder csv = new StringBuilder("strategy,eval_stage,benchmark,metric,primary,score,baseline_score,delta,ci_low,ci_high,n,note\n");
        for (Row r : rows) {
            if (r.score() == null) continue;  // "not evaluated" lines are for the reader of report.md
            List<String> cells = List.of(r.strategy(), r.stage(), r.benchmark(), r.metric(), Boolean.toString(r.primary()),
                    raw(r.score()), raw(r.baselineScore()), raw(r.delta()), r.ci() == null ? "" : raw(r.ci().low()),
                    r.ci() == null ? "" : raw(r.ci().high()), Integer.toString(r.n()), r.note());
            List<String> quoted = new ArrayList<>();
            for (String c : cells) quoted.add(c.contains(",") || c.contains("\"") ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
            csv.append(String.join(",", quoted)).append('\n');
        }
        return csv.toString();
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                throw new UserInputException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String raw(Double v) {
        return v == null ? "" : Double.toString(v);
    }

    static String num(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String signed(double v) {
        return String.format(Locale.ROOT, "%+.4f", v);
    }
}
