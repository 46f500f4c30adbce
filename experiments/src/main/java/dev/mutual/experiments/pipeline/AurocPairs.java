package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A diagnose stage's {@code auroc_pairs.jsonl} read back, and the AUROC of each score computed from it, so the number
 * a report prints is the one anybody gets from the file. One line per scored pair: {@code label} 1 (the gold pair)
 * or 0 (the same response with a shuffled instruction) and one numeric field per score, higher meaning "more likely
 * gold". AUROC = P(score of a random gold pair &gt; score of a random shuffled pair), ties counting one half
 * (the Mann-Whitney U statistic over positives x negatives); 0.5 is chance.
 *
 * @param lines     lines in the file
 * @param positives lines labelled 1
 * @param negatives lines labelled 0
 * @param scores    score name to its AUROC, in the file's field order
 */
record AurocPairs(int lines, int positives, int negatives, Map<String, Score> scores) {

    /** Numeric fields that describe a pair rather than score it. */
    private static final Set<String> NOT_SCORES = Set.of("label", "round", "candidate");

    /**
     * @param auroc     the AUROC over the lines that have a finite value of this score (NaN without both labels)
     * @param positives gold lines with a value
     * @param negatives shuffled lines with a value
     */
    record Score(double auroc, int positives, int negatives) {}

    /**
     * Reads {@code file}; {@code names} are the score fields to compute (null: every numeric field but label, round
     * and candidate). A line without a 0/1 label stops with its file and line.
     */
    static AurocPairs read(Path file, Collection<String> names) {
        Sides sides = sides(file, names);
        Map<String, Score> scores = new LinkedHashMap<>();
        sides.values().forEach((name, v) -> scores.put(name, new Score(auroc(v[0], v[1]), v[0].length, v[1].length)));
        return new AurocPairs(sides.lines(), sides.positives(), sides.lines() - sides.positives(), scores);
    }

    /**
     * The file's scores split by label: for each score, {positives' values, negatives' values} (lines with a finite
     * value only), what an AUROC and its bootstrap are computed from.
     */
    record Sides(int lines, int positives, Map<String, double[][]> values) {}

    /** {@link Sides} of {@code file}; {@code names} as in {@link #read}. */
    static Sides sides(Path file, Collection<String> names) {
        List<JsonLines.Line> lines = JsonLines.read(file, "AUROC pairs: JSON lines with \"label\" 1 or 0 and one number per score");
        if (lines.isEmpty()) throw new UserInputException(file + ": no scored pairs");
        Set<String> fields = new LinkedHashSet<>();
        boolean[] gold = new boolean[lines.size()];
        int positives = 0;
        for (int i = 0; i < gold.length; i++) {
            JsonLines.Line line = lines.get(i);
            JsonNode label = line.node().get("label");
            if (label == null || !(label.isNumber() && (label.asDouble() == 0 || label.asDouble() == 1))) {
                throw line.error("expected \"label\": 1 (gold pair) or 0 (shuffled), found " + label);
            }
            gold[i] = label.asDouble() == 1;
            if (gold[i]) positives++;
            for (Iterator<Map.Entry<String, JsonNode>> it = line.node().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getValue().isNumber() && !NOT_SCORES.contains(f.getKey())) fields.add(f.getKey());
            }
        }
        List<String> wanted = names == null ? new ArrayList<>(fields) : new ArrayList<>(names);
        Map<String, double[][]> values = new LinkedHashMap<>();
        for (String name : wanted) {
            List<Double> pos = new ArrayList<>(), neg = new ArrayList<>();
            for (int i = 0; i < gold.length; i++) {
                JsonNode v = lines.get(i).node().get(name);
                if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) (gold[i] ? pos : neg).add(v.asDouble());
            }
            values.put(name, new double[][] {toArray(pos), toArray(neg)});
        }
        return new Sides(lines.size(), positives, values);
    }

    /** Mann-Whitney AUROC from ranks (ties get their average rank), O(n log n); NaN when a side is empty. */
    static double auroc(double[] positives, double[] negatives) {
        int p = positives.length, n = negatives.length;
        if (p == 0 || n == 0) return Double.NaN;
        double[][] all = new double[p + n][];
        for (int i = 0; i < p; i++) all[i] = new double[] {positives[i], 1};
        for (int i = 0; i < n; i++) all[p + i] = new double[] {negatives[i], 0};
        Arrays.sort(all, (a, b) -> Double.compare(a[0], b[0]));
        double rankSum = 0;
        for (int i = 0; i < all.length; ) {
            int j = i;
            while (j < all.length && all[j][0] == all[i][0]) j++;
            double rank = (i + 1 + j) / 2.0;  // the average of ranks i+1 .. j
            for (int k = i; k < j; k++) if (all[k][1] == 1) rankSum += rank;
            i = j;
        }
        return (rankSum - p * (p + 1) / 2.0) / ((double) p * n);
    }

    private static double[] toArray(List<Double> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }
}
