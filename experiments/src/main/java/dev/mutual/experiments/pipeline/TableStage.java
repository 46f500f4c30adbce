package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.report.DeltaChart;
import dev.mutual.eval.report.EvalDirectory;
import dev.mutual.eval.report.EvalSample;
import dev.mutual.eval.report.MetricComparison;
import dev.mutual.eval.report.PairedBootstrap;
import dev.mutual.eval.report.SeedItemBootstrap;
import dev.mutual.experiments.recipe.TableConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code table} stage: one paper-style table of strategies x variants, each row trained with one or more seeds.
 * A row's score is the mean over its seeds; its delta against the baseline strategy of its variant comes with a 95%
 * bootstrap interval that resamples seeds and items together ({@link SeedItemBootstrap}). IFEval's instruction-level
 * accuracies are pooled rates (instructions followed / instructions), resampled as such. {@value #MARKDOWN} holds the
 * overview, one section per metric with its chart, the filter diagnostics (AUROC with an interval over seeds and
 * pairs; Spearman with human quality scores), kept counts and cost; {@value #CSV} and {@value #DIAGNOSTICS_CSV} every
 * number in it.
 */
final class TableStage implements Stage {
    static final String MARKDOWN = "table.md";
    static final String CSV = "table.csv";
    static final String DIAGNOSTICS_CSV = "diagnostics.csv";
    /** Resamples of the AUROC interval: each computes one AUROC per drawn seed, O(pairs log pairs). */
    private static final int AUROC_RESAMPLES = 2000;
    /** IFEval's instruction-level accuracies: per prompt, instructions followed out of instructions given. */
    private static final Map<String, String[]> POOLED = Map.of(
            "ifeval/inst_level_strict_acc", new String[] {"inst_strict_followed", "num_instructions"},
            "ifeval/inst_level_loose_acc", new String[] {"inst_loose_followed", "num_instructions"});

    private final TableConfig config;
    private final String recipeName;

    TableStage(TableConfig config, String recipeName) {
        this.config = config;
        this.recipeName = recipeName;
    }

    @Override
    public int codeVersion() {
        return 2;
    }

    @Override
    public List<Path> inputFiles() {
        return List.of();
    }

    /** One line of the table: a strategy in a variant, with its eval folders (one per seed). */
    private record Line(String label, String variant, String strategy, List<String> stages, List<Map<String, EvalDirectory>> seeds,
                        List<JsonNode> summaries) {
        boolean has(String benchmark) {
            return seeds.stream().allMatch(s -> s.containsKey(benchmark));
        }
    }

    /**
     * One number of the table.
     *
     * @param score mean over seeds of the metric as the eval stage reports it
     * @param sd    standard deviation of that over seeds (NaN with one seed)
     * @param delta null for a baseline line
     * @param ci    null without per-item scores on both sides
     */
    record Cell(Line line, String benchmark, String metric, boolean primary, double score, double sd, Double delta,
                SeedItemBootstrap.Interval ci, String note) {}

    @Override
    public StageResult run(StageContext ctx) {
        Path out = ctx.workDir();
        List<Line> lines = lines(ctx);
        List<String> notes = new ArrayList<>();
        Map<String, Line> baselines = new LinkedHashMap<>();
        for (Line l : lines) if (l.strategy().equals(config.baseline())) baselines.putIfAbsent(l.variant(), l);
        // a variant whose baseline was listed under another variant (the same eval stages) compares with that line
        config.rows().forEach((variant, strategies) -> {
            if (!baselines.containsKey(variant)) {
                List<String> stages = strategies.get(config.baseline());
                lines.stream().filter(l -> l.stages().equals(stages)).findFirst().ifPresent(l -> baselines.put(variant, l));
            }
        });

        List<String> benchmarks = new ArrayList<>();
        for (String b : EvalStage.BENCHMARKS) if (lines.stream().anyMatch(l -> l.has(b))) benchmarks.add(b);
        List<Cell> cells = new ArrayList<>();
        for (String b : benchmarks) {
            for (String metric : metrics(lines, baselines.values(), b)) {
                for (Line l : lines) {
                    if (!l.has(b)) continue;
                    cells.add(cell(l, baselines.get(l.variant()), b, metric, metric.equals(primary(lines, b)), notes));
                }
            }
        }

        int seeds = lines.stream().mapToInt(l -> l.stages().size()).max().orElse(1);
        StringBuilder md = new StringBuilder();
        md.append("# ").append(config.title() == null || config.title().isBlank() ? "Table: `" + recipeName + "`" : config.title().strip()).append("\n\n");
        md.append("**Scale.** ").append(config.scaleNote().strip()).append(" Recipe `").append(recipeName).append("`; ")
                .append(seeds == 1 ? "one training seed per row" : seeds + " training seeds per row").append("; items per benchmark: ")
                .append(itemCounts(lines, benchmarks)).append(".\n\n");
        SeedItemBootstrap bootstrap = SeedItemBootstrap.DEFAULT;
        md.append("Score = the eval stage's metric, mean over seeds. Delta = mean over seeds of (row - `").append(config.baseline())
                .append("` of the same variant, same seed) on the items both scored; 95% CI: percentile bootstrap (")
                .append(bootstrap.resamples()).append(" resamples, seed ").append(bootstrap.seed())
                .append(") drawing seeds and items with replacement, so it covers seed-to-seed and item-to-item variation. ")
                .append("An interval that excludes 0 is marked **bold**. Every number is in `").append(CSV).append("`.\n");
        overview(md, lines, cells, benchmarks);
        metricSections(md, cells, out);
        int diagnosed = diagnostics(md, ctx, out, notes);
        selections(md, ctx);
        double seconds = costs(md, ctx);
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            for (String n : new LinkedHashSet<>(notes)) md.append("- ").append(n).append('\n');
        }
        AtomicFile.writeString(out.resolve(CSV), csv(cells));
        AtomicFile.writeString(out.resolve(MARKDOWN), md.toString());

        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("lines", lines.size());
        metrics.put("seeds", seeds);
        metrics.put("benchmarks", benchmarks.size());
        metrics.put("cells", cells.size());
        metrics.put("diagnostics", diagnosed);
        metrics.put("cost_seconds", seconds);
        return new StageResult(metrics);
    }

    /** The table's lines in recipe order; a strategy whose eval stages another line already lists is shown once. */
    private List<Line> lines(StageContext ctx) {
        boolean oneVariant = config.rows().size() == 1;
        // strategy -> whether every variant lists the same eval stages for it (then it is labelled without a variant)
        Map<String, Set<List<String>>> stagesOf = new LinkedHashMap<>();
        config.rows().values().forEach(s -> s.forEach((strategy, evals) -> stagesOf.computeIfAbsent(strategy, k -> new LinkedHashSet<>()).add(evals)));
        List<Line> lines = new ArrayList<>();
        Set<List<String>> listed = new LinkedHashSet<>();
        config.rows().forEach((variant, strategies) -> strategies.forEach((strategy, evals) -> {
            if (!listed.add(evals)) return;
            String label = oneVariant || stagesOf.get(strategy).size() == 1 ? strategy : variant + "/" + strategy;
            List<Map<String, EvalDirectory>> seeds = new ArrayList<>();
            List<JsonNode> summaries = new ArrayList<>();
            for (String e : evals) {
                seeds.add(ReportStage.benchmarks(ctx.upstreamDir(e)));
                summaries.add(ReportStage.summary(ctx.upstreamDir(e)));
            }
            lines.add(new Line(label, variant, strategy, evals, seeds, summaries));
        }));
        return lines;
    }

    /** A benchmark's primary metric (the first line's that has it). */
    private static String primary(List<Line> lines, String benchmark) {
        for (Line l : lines) if (l.has(benchmark)) return l.seeds().get(0).get(benchmark).result().primaryMetric();
        throw new IllegalStateException("no line evaluated " + benchmark);
    }

    /** The metrics every line reports for a benchmark: primary first, then by name. */
    private static List<String> metrics(List<Line> lines, Iterable<Line> baselines, String benchmark) {
        Set<String> common = null;
        for (Line l : lines) {
            if (!l.has(benchmark)) continue;
            for (Map<String, EvalDirectory> s : l.seeds()) {
                Set<String> m = s.get(benchmark).result().metrics().keySet();
                if (common == null) common = new TreeSet<>(m);
                else common.retainAll(m);
            }
        }
        List<String> ordered = new ArrayList<>();
        String primary = primary(lines, benchmark);
        if (common != null && common.remove(primary)) ordered.add(primary);
        if (common != null) ordered.addAll(common);
        return ordered;
    }

    private Cell cell(Line line, Line baseline, String benchmark, String metric, boolean primary, List<String> notes) {
        double[] scores = new double[line.seeds().size()];
        for (int s = 0; s < scores.length; s++) scores[s] = line.seeds().get(s).get(benchmark).result().metrics().get(metric);
        double score = mean(scores), sd = sd(scores);
        if (line == baseline) return new Cell(line, benchmark, metric, primary, score, sd, null, null, "baseline");
        if (baseline == null || !baseline.has(benchmark)) {
            return new Cell(line, benchmark, metric, primary, score, sd, null, null, "no baseline line evaluated " + benchmark);
        }
        if (baseline.seeds().size() != line.seeds().size()) {
            throw new UserInputException("rows." + line.variant() + "." + line.strategy() + ": " + line.seeds().size()
                    + " seeds, its baseline " + baseline.seeds().size());
        }
        double base = 0;
        for (Map<String, EvalDirectory> s : baseline.seeds()) base += s.get(benchmark).result().metrics().get(metric);
        base /= baseline.seeds().size();
        String[] pooled = POOLED.get(benchmark + "/" + metric);
        String num = pooled == null ? metric : pooled[0], den = pooled == null ? null : pooled[1];
        List<String> items = commonItems(line, baseline, benchmark, num, den);
        if (items.isEmpty()) {
            return new Cell(line, benchmark, metric, primary, score, sd, score - base, null, "no per-item scores: no interval");
        }
        SeedItemBootstrap.Interval ci = SeedItemBootstrap.DEFAULT.difference(scores(line, benchmark, items, num, den),
                scores(baseline, benchmark, items, num, den));
        if (Math.abs(ci.delta() - (score - base)) > 1e-9 * Math.max(1, Math.abs(score - base))) {
            notes.add(benchmark + " " + metric + ": the per-item scores of " + line.label() + " and " + baseline.label()
                    + " on the " + items.size() + " items both scored give a delta of " + ReportStage.num(ci.delta()) + ", their summaries "
                    + ReportStage.num(score - base) + "; the table shows the per-item delta, whose interval it is");
        }
        return new Cell(line, benchmark, metric, primary, score, sd, ci.delta(), ci, "");
    }

    /** Item ids scored (with the metric's fields) in every seed of both lines, in the baseline's order. */
    private static List<String> commonItems(Line line, Line baseline, String benchmark, String num, String den) {
        List<String> items = new ArrayList<>();
        for (EvalSample s : baseline.seeds().get(0).get(benchmark).samples()) items.add(s.id());
        for (Line l : List.of(line, baseline)) {
            for (Map<String, EvalDirectory> seed : l.seeds()) {
                Set<String> scored = new LinkedHashSet<>();
                for (EvalSample s : seed.get(benchmark).samples()) {
                    if (s.scores().get(num) != null && (den == null || s.scores().get(den) != null)) scored.add(s.id());
                }
                items.retainAll(scored);
            }
        }
        return items;
    }

    private static SeedItemBootstrap.Scores scores(Line line, String benchmark, List<String> items, String num, String den) {
        int seeds = line.seeds().size();
        double[][] n = new double[seeds][items.size()], d = new double[seeds][items.size()];
        for (int s = 0; s < seeds; s++) {
            Map<String, EvalSample> byId = new LinkedHashMap<>();
            for (EvalSample e : line.seeds().get(s).get(benchmark).samples()) byId.put(e.id(), e);
            for (int i = 0; i < items.size(); i++) {
                EvalSample e = byId.get(items.get(i));
                n[s][i] = e.scores().get(num);
                d[s][i] = den == null ? 1 : e.scores().get(den);
            }
        }
        return new SeedItemBootstrap.Scores(n, d);
    }

    private static String itemCounts(List<Line> lines, List<String> benchmarks) {
        List<String> counts = new ArrayList<>();
        for (String b : benchmarks) {
            int n = 0;
            for (Line l : lines) if (l.has(b)) n = Math.max(n, l.seeds().get(0).get(b).result().n());
            counts.add(b + " " + n);
        }
        return counts.isEmpty() ? "none" : String.join(", ", counts);
    }

    /** One row per line, one column per metric (and pairwise judging when an eval stage did it). */
    private void overview(StringBuilder md, List<Line> lines, List<Cell> cells, List<String> benchmarks) {
        if (benchmarks.isEmpty()) return;
        // each benchmark's primary metric, and accuracies beside it (IFEval's prompt/instruction x strict/loose);
        // the per-metric sections below and table.csv have every metric
        List<String> columns = new ArrayList<>();
        for (Cell c : cells) {
            String column = c.benchmark() + " " + c.metric();
            if ((c.primary() || c.metric().endsWith("_acc")) && !columns.contains(column)) columns.add(column);
        }
        boolean pairwise = lines.stream().anyMatch(l -> l.summaries().stream().anyMatch(s -> s.path("benchmarks").has(EvalStage.PAIRWISE)));
        md.append("\n## Overview\n\nEach cell: score, then delta vs `").append(config.baseline())
                .append("` [95% CI]. Each benchmark's primary metric and IFEval's four accuracies; every metric follows.\n\n| row |");
        for (String c : columns) md.append(' ').append(c).append(" |");
        if (pairwise) md.append(" pairwise win rate vs ").append(config.baseline()).append(" |");
        md.append("\n|---|");
        md.append("---:|".repeat(columns.size()));
        if (pairwise) md.append("---|");
        md.append('\n');
        for (Line l : lines) {
            md.append("| ").append(l.label()).append(l.strategy().equals(config.baseline()) ? " (baseline)" : "").append(" |");
            for (String col : columns) {
                Cell c = cells.stream().filter(x -> x.line() == l && (x.benchmark() + " " + x.metric()).equals(col)).findFirst().orElse(null);
                md.append(' ').append(c == null ? "not evaluated" : overviewCell(c)).append(" |");
            }
            if (pairwise) md.append(' ').append(pairwise(l)).append(" |");
            md.append('\n');
        }
    }

    private static String overviewCell(Cell c) {
        String score = ReportStage.num(c.score());
        if (c.delta() == null) return score;
        if (c.ci() == null) return score + " (" + ReportStage.signed(c.delta()) + ")";
        String ci = ReportStage.signed(c.delta()) + " [" + ReportStage.signed(c.ci().low()) + ", " + ReportStage.signed(c.ci().high()) + "]";
        return score + " (" + (excludesZero(c.ci()) ? "**" + ci + "**" : ci) + ")";
    }

    private static boolean excludesZero(SeedItemBootstrap.Interval ci) {
        return ci.low() > 0 || ci.high() < 0;
    }

    /** The mean pairwise win rate over seeds, or what the eval stage says instead (e.g. "no judge configured"). */
    private static String pairwise(Line l) {
        List<Double> values = new ArrayList<>();
        String note = null;
        for (JsonNode s : l.summaries()) {
            JsonNode p = s.path("benchmarks").path(EvalStage.PAIRWISE);
            if (p.has("value")) values.add(p.get("value").asDouble());
            else if (p.has("note") && p.has("against")) note = p.get("note").asText();
        }
        if (values.size() == l.summaries().size() && !values.isEmpty()) {
            return String.format(Locale.ROOT, "%.1f%%", 100 * mean(values.stream().mapToDouble(Double::doubleValue).toArray()))
                    + (values.size() > 1 ? " (mean of " + values.size() + " seeds)" : "");
        }
        return note != null ? note : "";
    }

    /** Per metric: every line's score, seed spread, delta and interval, and a chart of the deltas. */
    private void metricSections(StringBuilder md, List<Cell> cells, Path out) {
        Map<String, List<Cell>> byMetric = new LinkedHashMap<>();
        for (Cell c : cells) byMetric.computeIfAbsent(c.benchmark() + " " + c.metric(), k -> new ArrayList<>()).add(c);
        for (Map.Entry<String, List<Cell>> e : byMetric.entrySet()) {
            List<Cell> rows = e.getValue();
            Cell first = rows.get(0);
            md.append("\n## ").append(first.benchmark()).append(": ").append(first.metric()).append(first.primary() ? " (primary)" : "").append("\n\n");
            md.append("| row | eval stages | score | sd over seeds | delta vs ").append(config.baseline())
                    .append(" | 95% CI | seeds x items |\n|---|---|---:|---:|---:|---|---|\n");
            List<MetricComparison> charted = new ArrayList<>();
            for (Cell c : rows) {
                md.append("| ").append(c.line().label()).append(" | ").append(String.join(", ", c.line().stages())).append(" | ")
                        .append(ReportStage.num(c.score())).append(" | ").append(Double.isNaN(c.sd()) ? "" : ReportStage.num(c.sd())).append(" | ")
                        .append(c.delta() == null ? "" : ReportStage.signed(c.delta())).append(" | ")
                        .append(c.ci() == null ? c.note() : "[" + ReportStage.signed(c.ci().low()) + ", " + ReportStage.signed(c.ci().high()) + "]").append(" | ")
                        .append(c.ci() == null ? "" : c.ci().seeds() + " x " + c.ci().items()).append(" |\n");
                if (c.ci() != null) {
                    PairedBootstrap.Interval interval = new PairedBootstrap.Interval(c.delta(), c.ci().low(), c.ci().high(), c.ci().items());
                    charted.add(new MetricComparison(c.benchmark(), c.metric(), c.primary(), c.line().label(), c.score(),
                            c.score() - c.delta(), c.delta(), interval, c.ci().items(), c.ci().items(), c.ci().items()));
                }
            }
            if (!charted.isEmpty()) {
                String png = (first.benchmark() + "_" + first.metric()).replaceAll("[^A-Za-z0-9_.-]", "_") + ".png";
                AtomicFile.writeBytes(out.resolve(png), DeltaChart.png(first.benchmark(), first.metric(), config.baseline(), charted,
                        "95% CI over seeds and items"));
                md.append("\n![").append(first.benchmark()).append(' ').append(first.metric()).append("](").append(png).append(")\n");
            }
        }
    }

    /** AUROC of each score against gold instructions (mean over seeds, interval over seeds and pairs) and Spearman. */
    private int diagnostics(StringBuilder md, StageContext ctx, Path out, List<String> notes) {
        if (config.diagnostics().isEmpty()) return 0;
        md.append("\n## Filter diagnostics\n\nAUROC = the chance that a gold (instruction, response) pair of the pool scores higher than the same ")
                .append("response with a shuffled instruction (0.5 is chance), computed from each diagnose stage's `")
                .append(ReportStage.AUROC_PAIRS).append("` (copied here); mean over seeds, 95% CI by resampling seeds and, within each, ")
                .append("gold and shuffled pairs. Spearman rho = rank correlation of the score with human quality ratings (OASST2), mean over seeds. ")
                .append("Every number is in `").append(DIAGNOSTICS_CSV).append("`.\n\n");
        md.append("| diagnostics | score | AUROC | 95% CI | seeds | gold / shuffled pairs | Spearman rho |\n|---|---|---:|---|---:|---|---:|\n");
        StringBuilder csv = new StringBuilder("label,diagnose_stages,score,auroc,ci_low,ci_high,seeds,positives,negatives,spearman_rho\n");
        int count = 0;
        for (Map.Entry<String, List<String>> e : config.diagnostics().entrySet()) {
            // score -> per seed (positives, negatives)
            Map<String, List<double[][]>> perScore = new LinkedHashMap<>();
            Map<String, List<Double>> rho = new LinkedHashMap<>();
            for (String stage : e.getValue()) {
                Path dir = ctx.upstreamDir(stage);
                Path pairs = dir.resolve(ReportStage.AUROC_PAIRS);
                if (!Files.isRegularFile(pairs)) throw new UserInputException("diagnostics: stage '" + stage + "' has no " + ReportStage.AUROC_PAIRS + " in " + dir);
                AtomicFile.copy(pairs, out.resolve("auroc_pairs_" + stage + ".jsonl"));
                AurocPairs.sides(pairs, null).values().forEach((score, sides) -> perScore.computeIfAbsent(score, k -> new ArrayList<>()).add(sides));
                Path spearman = dir.resolve(ReportStage.SPEARMAN);
                if (Files.isRegularFile(spearman)) {
                    ReportStage.readJson(spearman).fields().forEachRemaining(f -> {
                        if (f.getValue().path("rho").isNumber()) rho.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(f.getValue().get("rho").asDouble());
                    });
                }
                count++;
            }
            for (Map.Entry<String, List<double[][]>> s : perScore.entrySet()) {
                List<double[][]> seeds = s.getValue();
                if (seeds.size() != e.getValue().size()) {
                    notes.add("diagnostics." + e.getKey() + ": score " + s.getKey() + " is in " + seeds.size() + " of " + e.getValue().size() + " seeds' pairs; averaged over those");
                }
                double[] ci = aurocInterval(seeds);
                int pos = seeds.stream().mapToInt(x -> x[0].length).sum(), neg = seeds.stream().mapToInt(x -> x[1].length).sum();
                List<Double> r = rho.get(s.getKey());
                Double meanRho = r == null || r.size() != e.getValue().size() ? null : mean(r.stream().mapToDouble(Double::doubleValue).toArray());
                md.append("| ").append(e.getKey()).append(" | ").append(s.getKey()).append(" | ").append(ReportStage.num(ci[0])).append(" | ")
                        .append(Double.isNaN(ci[1]) ? "" : "[" + ReportStage.num(ci[1]) + ", " + ReportStage.num(ci[2]) + "]").append(" | ").append(seeds.size())
                        .append(" | ").append(pos).append(" / ").append(neg).append(" | ").append(meanRho == null ? "" : ReportStage.signed(meanRho)).append(" |\n");
                csv.append(String.join(",", e.getKey(), String.join(";", e.getValue()), s.getKey(), Double.toString(ci[0]),
                        Double.toString(ci[1]), Double.toString(ci[2]), Integer.toString(seeds.size()), Integer.toString(pos),
                        Integer.toString(neg), meanRho == null ? "" : Double.toString(meanRho))).append('\n');
            }
        }
        AtomicFile.writeString(out.resolve(DIAGNOSTICS_CSV), csv.toString());
        return count;
    }

    /** Mean AUROC over seeds and its 95% percentile interval, resampling seeds and (stratified) pairs within each. */
    static double[] aurocInterval(List<double[][]> seeds) {
        double observed = 0;
        for (double[][] s : seeds) observed += AurocPairs.auroc(s[0], s[1]);
        observed /= seeds.size();
        if (seeds.stream().anyMatch(s -> s[0].length == 0 || s[1].length == 0)) return new double[] {observed, Double.NaN, Double.NaN};
        int resamples = AUROC_RESAMPLES;
        SplittableRandom rng = new SplittableRandom(SeedItemBootstrap.DEFAULT.seed());
        double[] stats = new double[resamples];
        for (int b = 0; b < resamples; b++) {
            double sum = 0;
            for (int k = 0; k < seeds.size(); k++) {
                double[][] s = seeds.get(seeds.size() == 1 ? 0 : rng.nextInt(seeds.size()));
                sum += AurocPairs.auroc(resample(s[0], rng), resample(s[1], rng));
            }
            stats[b] = sum / seeds.size();
        }
        Arrays.sort(stats);
        return new double[] {observed, PairedBootstrap.quantile(stats, 0.025), PairedBootstrap.quantile(stats, 0.975)};
    }

    private static double[] resample(double[] values, SplittableRandom rng) {
        double[] r = new double[values.length];
        for (int i = 0; i < r.length; i++) r[i] = values[rng.nextInt(values.length)];
        return r;
    }

    private void selections(StringBuilder md, StageContext ctx) {
        if (config.selections().isEmpty()) return;
        md.append("\n## Kept pairs\n\nSynthetic pairs each select stage kept (from its `").append(ReportStage.SELECT_SUMMARY)
                .append("`), seed by seed.\n\n| selection | select stages | kept | of scored candidates |\n|---|---|---|---|\n");
        for (Map.Entry<String, List<String>> e : config.selections().entrySet()) {
            List<String> kept = new ArrayList<>(), lines = new ArrayList<>();
            for (String stage : e.getValue()) {
                Path summary = ctx.upstreamDir(stage).resolve(ReportStage.SELECT_SUMMARY);
                if (!Files.isRegularFile(summary)) throw new UserInputException("selections: stage '" + stage + "' has no " + ReportStage.SELECT_SUMMARY);
                JsonNode s = ReportStage.readJson(summary);
                kept.add(s.path("kept").asText("?"));
                lines.add(s.path("lines").asText("?"));
            }
            md.append("| ").append(e.getKey()).append(" | ").append(String.join(", ", e.getValue())).append(" | ")
                    .append(String.join(" / ", kept)).append(" | ").append(String.join(" / ", lines)).append(" |\n");
        }
    }

    /** The seconds of the cost stages, by stage type, from their _SUCCESS.json; returns the total. */
    private double costs(StringBuilder md, StageContext ctx) {
        if (config.costs().isEmpty()) return 0;
        Map<String, double[]> byType = new TreeMap<>();
        double total = 0;
        for (String name : config.costs()) {
            Manifest m = Manifest.readFrom(ctx.upstreamDir(name));
            if (m == null) throw new IllegalStateException("stage " + name + " has no readable " + Manifest.FILE);
            double[] t = byType.computeIfAbsent(m.type(), k -> new double[2]);
            t[0] += m.elapsedSeconds();
            t[1]++;
            total += m.elapsedSeconds();
        }
        md.append("\n## Cost\n\nSeconds of the attempts that produced the table's ").append(config.costs().size())
                .append(" stages (each stage's `").append(Manifest.FILE).append("`; a stage reused from another run or recipe counts its ")
                .append("first run's time, once).\n\n| stage type | stages | seconds |\n|---|---:|---:|\n");
        byType.forEach((type, t) -> md.append("| ").append(type).append(" | ").append((int) t[1]).append(" | ")
                .append(String.format(Locale.ROOT, "%.0f", t[0])).append(" |\n"));
        md.append("| total | ").append(config.costs().size()).append(" | ").append(String.format(Locale.ROOT, "%.0f", total))
                .append(String.format(Locale.ROOT, " (%.1f h)", total / 3600)).append(" |\n");
        return total;
    }

    static String csv(List<Cell> cells) {
        StringBuilder csv = new StringBuilder("row,variant,strategy,eval_stages,benchmark,metric,primary,score,score_sd,seeds,delta,ci_low,ci_high,items,note\n");
        for (Cell c : cells) {
            List<String> fields = List.of(c.line().label(), c.line().variant(), c.line().strategy(), String.join(";", c.line().stages()),
                    c.benchmark(), c.metric(), Boolean.toString(c.primary()), Double.toString(c.score()),
                    Double.isNaN(c.sd()) ? "" : Double.toString(c.sd()), Integer.toString(c.line().stages().size()),
                    c.delta() == null ? "" : Double.toString(c.delta()), c.ci() == null ? "" : Double.toString(c.ci().low()),
                    c.ci() == null ? "" : Double.toString(c.ci().high()), c.ci() == null ? "" : Integer.toString(c.ci().items()), c.note());
            List<String> quoted = new ArrayList<>();
            for (String f : fields) quoted.add(f.contains(",") || f.contains("\"") ? "\"" + f.replace("\"", "\"\"") + "\"" : f);
            csv.append(String.join(",", quoted)).append('\n');
        }
        return csv.toString();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    /** Sample standard deviation; NaN for one value. */
    private static double sd(double[] v) {
        if (v.length < 2) return Double.NaN;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
