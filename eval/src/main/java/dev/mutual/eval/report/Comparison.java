package dev.mutual.eval.report;

import dev.mutual.data.UserInputException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs compared with a baseline, benchmark by benchmark. For every metric both results report, the delta is
 * the mean over items both runs scored of (run - baseline), with a paired bootstrap interval; metrics without
 * per-item scores (e.g. a corpus perplexity) get the plain difference and no interval.
 *
 * @param baseline   the reference run
 * @param runs       the compared runs (the baseline excluded)
 * @param bootstrap  resampling settings
 * @param rows       one row per (benchmark, metric, run); benchmarks in first-seen order, primary metric first
 * @param notes      things the reader must know (benchmarks a side lacks, differing item sets)
 */
public record Comparison(ComparedRun baseline, List<ComparedRun> runs, PairedBootstrap bootstrap,
                         List<MetricComparison> rows, List<String> notes) {
    public Comparison {
        runs = List.copyOf(runs);
        rows = List.copyOf(rows);
        notes = List.copyOf(notes);
    }

    /** Compares each run with the baseline. */
    public static Comparison of(ComparedRun baseline, List<ComparedRun> runs, PairedBootstrap bootstrap) {
        List<MetricComparison> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Set<String> benchmarks = new LinkedHashSet<>(baseline.byBenchmark().keySet());
        for (ComparedRun run : runs) benchmarks.addAll(run.byBenchmark().keySet());
        for (String benchmark : benchmarks) {
            EvalDirectory base = baseline.byBenchmark().get(benchmark);
            for (ComparedRun run : runs) {
                EvalDirectory eval = run.byBenchmark().get(benchmark);
                if (base == null || eval == null) {
                    notes.add(benchmark + ": " + (base == null ? "baseline " + baseline.label() : "run " + run.label())
                            + " has no evaluation of it; not compared");
                    continue;
                }
                compareBenchmark(benchmark, run.label(), eval, base, bootstrap, rows, notes);
            }
        }
        return new Comparison(baseline, runs, bootstrap, rows, notes);
    }

    /** The rows of one benchmark, in order. */
    public List<MetricComparison> rowsOf(String benchmark) {
        return rows.stream().filter(r -> r.benchmark().equals(benchmark)).toList();
    }

    /** Benchmarks that have at least one row, in order. */
    public List<String> benchmarks() {
        return rows.stream().map(MetricComparison::benchmark).distinct().toList();
    }

    private static void compareBenchmark(String benchmark, String runLabel, EvalDirectory eval, EvalDirectory base,
                                         PairedBootstrap bootstrap, List<MetricComparison> rows, List<String> notes) {
        String primary = base.result().primaryMetric();
        if (!eval.result().primaryMetric().equals(primary)) {
            notes.add(benchmark + ": run " + runLabel + " leads with '" + eval.result().primaryMetric()
                    + "', the baseline with '" + primary + "'; rows use the baseline's");
        }
        if (eval.result().version() != base.result().version()) {
            notes.add(benchmark + ": run " + runLabel + " used evaluator version " + eval.result().version()
                    + ", the baseline version " + base.result().version() + "; scores may not be comparable");
        }
        Map<String, EvalSample> runById = byId(eval);
        Map<String, EvalSample> baseById = byId(base);
        Set<String> metrics = new TreeSet<>(base.result().metrics().keySet());
        metrics.retainAll(eval.result().metrics().keySet());
        List<String> ordered = new ArrayList<>();
        if (metrics.remove(primary)) ordered.add(primary);
        ordered.addAll(metrics);
        boolean warned = false;
        for (String metric : ordered) {
            double score = eval.result().metrics().get(metric);
            double baseScore = base.result().metrics().get(metric);
            List<double[]> pairs = new ArrayList<>();
            for (Map.Entry<String, EvalSample> e : baseById.entrySet()) {
                EvalSample other = runById.get(e.getKey());
                Double b = e.getValue().scores().get(metric);
                Double r = other == null ? null : other.scores().get(metric);
                if (b != null && r != null) pairs.add(new double[] {r, b});
            }
            if (pairs.isEmpty()) {
                rows.add(new MetricComparison(benchmark, metric, metric.equals(primary), runLabel, score, baseScore,
                        score - baseScore, null, 0, eval.samples().size(), base.samples().size()));
                continue;
            }
            double[] r = new double[pairs.size()];
            double[] b = new double[pairs.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = pairs.get(i)[0];
                b[i] = pairs.get(i)[1];
            }
            for (EvalDirectory side : List.of(eval, base)) {
                if (!averagesToSummary(side, metric)) {
                    notes.add(benchmark + ": in " + side.dir() + " the per-item '" + metric + "' scores do not average to "
                            + "its summary value; its delta and interval are over per-item means");
                }
            }
            PairedBootstrap.Interval ci = bootstrap.meanDifference(r, b);
            MetricComparison row = new MetricComparison(benchmark, metric, metric.equals(primary), runLabel, score,
                    baseScore, ci.delta(), ci, ci.n(), runById.size(), baseById.size());
            rows.add(row);
            if (row.itemSetsDiffer() && !warned) {
                warned = true;
                notes.add(benchmark + ": run " + runLabel + " scored " + runById.size() + " items, the baseline "
                        + baseById.size() + "; deltas and intervals use the " + ci.n() + " items both scored, while "
                        + "the score columns are each run's own summary");
            }
        }
    }

    /** Whether the mean of the per-item scores of {@code metric} (over items that have it) equals its summary. */
    private static boolean averagesToSummary(EvalDirectory eval, String metric) {
        double sum = 0;
        int n = 0;
        for (EvalSample s : eval.samples()) {
            Double v = s.scores().get(metric);
            if (v != null) {
                sum += v;
                n++;
            }
        }
        return n > 0 && Math.abs(sum / n - eval.result().metrics().get(metric)) <= 1e-9 * Math.max(1, Math.abs(sum / n));
    }

    private static Map<String, EvalSample> byId(EvalDirectory eval) {
        Map<String, EvalSample> byId = new LinkedHashMap<>();
        for (EvalSample s : eval.samples()) {
            if (byId.put(s.id(), s) != null) {
                throw new UserInputException(eval.dir().resolve(EvalResultFiles.SAMPLES) + ": sample id '" + s.id()
                        + "' appears twice (expected one line per item)");
            }
        }
        return byId;
    }
}
