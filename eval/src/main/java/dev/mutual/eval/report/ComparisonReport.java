package dev.mutual.eval.report;

import dev.mutual.data.AtomicFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a {@link Comparison} as {@code comparison.md}, {@code comparison.csv} and one PNG per benchmark
 * ({@code <benchmark>.png}, primary metric deltas with their intervals). Each file is written atomically.
 */
public final class ComparisonReport {
    public static final String MARKDOWN = "comparison.md";
    public static final String CSV = "comparison.csv";

    private ComparisonReport() {}

    /** Writes the report into {@code dir} (created if missing) and returns the files written. */
    public static List<Path> write(Comparison comparison, Path dir) {
        List<Path> written = new ArrayList<>();
        for (String benchmark : comparison.benchmarks()) {
            List<MetricComparison> primary = comparison.rowsOf(benchmark).stream().filter(MetricComparison::primary).toList();
            if (primary.isEmpty()) continue;
            Path png = dir.resolve(chartFileName(benchmark));
            AtomicFile.writeBytes(png, DeltaChart.png(benchmark, primary.get(0).metric(), comparison.baseline().label(), primary));
            written.add(png);
        }
        Path csv = dir.resolve(CSV);
        AtomicFile.writeString(csv, csv(comparison));
        written.add(csv);
        Path md = dir.resolve(MARKDOWN);
        AtomicFile.writeString(md, markdown(comparison));
        written.add(md);
        return written;
    }

    /** The chart file of a benchmark: its name with anything but letters, digits, '.', '_' and '-' replaced. */
    public static String chartFileName(String benchmark) {
        return benchmark.replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
    }

    /** A header line naming where a run's responses came from (data strategy, model, recipe). */
    public static String header(ComparedRun run) {
        List<String> lines = new ArrayList<>();
        for (EvalDirectory eval : run.byBenchmark().values()) {
            EvalResult.RunInfo info = eval.result().run();
            String line = "data strategy " + info.dataStrategy() + ", model " + info.model() + ", recipe " + info.recipe()
                    + ", git " + info.gitHash();
            if (!lines.contains(line)) lines.add(line);
        }
        return String.join("; ", lines);
    }

    static String markdown(Comparison c) {
        StringBuilder md = new StringBuilder();
        md.append("# Comparison against baseline `").append(c.baseline().label()).append("`\n\n");
        md.append("- **").append(c.baseline().label()).append("** (baseline): ").append(header(c.baseline()))
                .append(" (`").append(c.baseline().source()).append("`)\n");
        for (ComparedRun run : c.runs()) {
            md.append("- **").append(run.label()).append("**: ").append(header(run))
                    .append(" (`").append(run.source()).append("`)\n");
        }
        md.append("\nDelta = mean over items scored by both runs of (run - baseline). ")
                .append(Math.round(c.bootstrap().confidence() * 100)).append("% CI: paired percentile bootstrap over ")
                .append("those items, ").append(c.bootstrap().resamples()).append(" resamples, seed ")
                .append(c.bootstrap().seed()).append(". n = paired items.\n");
        for (String benchmark : c.benchmarks()) {
            List<MetricComparison> rows = c.rowsOf(benchmark);
            md.append("\n## ").append(benchmark).append("\n\n");
            md.append("| metric | run | score | baseline | delta | 95% CI | n |\n|---|---|---:|---:|---:|---|---:|\n");
            for (MetricComparison r : rows) {
                md.append("| ").append(r.metric()).append(r.primary() ? " (primary)" : "").append(" | ").append(r.run())
                        .append(" | ").append(num(r.score())).append(" | ").append(num(r.baselineScore()))
                        .append(" | ").append(signed(r.delta())).append(" | ")
                        .append(r.ci() == null ? "n/a (no per-item scores)" : "[" + signed(r.ci().low()) + ", " + signed(r.ci().high()) + "]")
                        .append(" | ").append(r.ci() == null ? "" : Integer.toString(r.nPaired())).append(" |\n");
            }
            if (rows.stream().anyMatch(MetricComparison::primary)) {
                md.append("\n![").append(benchmark).append("](").append(chartFileName(benchmark)).append(")\n");
            }
        }
        if (!c.notes().isEmpty()) {
            md.append("\n## Warnings\n\n");
            for (String note : c.notes()) md.append("- ").append(note).append('\n');
        }
        return md.toString();
    }

    static String csv(Comparison c) {
        StringBuilder csv = new StringBuilder("benchmark,metric,primary,run,baseline,score,baseline_score,delta,"
                + "ci_low,ci_high,n_paired,n_run,n_baseline,data_strategy,model,recipe\n");
        for (MetricComparison r : c.rows()) {
            ComparedRun run = c.runs().stream().filter(x -> x.label().equals(r.run())).findFirst().orElseThrow();
            EvalResult.RunInfo info = run.byBenchmark().get(r.benchmark()).result().run();
            List<String> cells = List.of(r.benchmark(), r.metric(), Boolean.toString(r.primary()), r.run(),
                    c.baseline().label(), raw(r.score()), raw(r.baselineScore()), raw(r.delta()),
                    r.ci() == null ? "" : raw(r.ci().low()), r.ci() == null ? "" : raw(r.ci().high()),
                    Integer.toString(r.nPaired()), Integer.toString(r.nRun()), Integer.toString(r.nBaseline()),
                    info.dataStrategy(), info.model(), info.recipe());
            List<String> quoted = new ArrayList<>();
            for (String cell : cells) quoted.add(csvCell(cell));
            csv.append(String.join(",", quoted)).append('\n');
        }
        return csv.toString();
    }

    private static String csvCell(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) return "\"" + s.replace("\"", "\"\"") + "\"";
        return s;
    }

    private static String raw(double v) {
        return Double.toString(v);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String signed(double v) {
        return String.format(Locale.ROOT, "%+.4f", v);
    }
}
