package dev.mutual.experiments.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code report}: compares data strategies and writes {@code report.md}, {@code report.csv} and one PNG per
 * benchmark: each strategy's score per benchmark metric, its delta against the baseline with a 95% paired bootstrap
 * interval, the filter diagnostics (AUROC recomputed from the {@code auroc_pairs.jsonl} copied beside the report),
 * the selection counts and the cost of each stage.
 *
 * @param strategies  strategy name to the eval stage that evaluated its model, e.g. main, seed_only, backtranslation
 * @param baseline    the strategy the others are compared with
 * @param diagnostics diagnose stages whose AUROC (and Spearman) the report shows
 * @param selections  select stages whose kept/dropped counts the report shows
 * @param costs       stages whose seconds and tokens/s the report shows (from their {@code _SUCCESS.json})
 * @param scaleNote   the report's first sentence: what scale the run is and what it can show
 */
@StageType("report")
public record ReportConfig(
        Map<String, String> strategies,
        @Default("seed_only") String baseline,
        @Default("[]") List<String> diagnostics,
        @Default("[]") List<String> selections,
        @Default("[]") List<String> costs,
        @Default("This is a toy-scale run (tiny models, a few training steps, small samples); it shows the mechanics of the method, not the paper's effect.")
        String scaleNote) implements StageConfig {

    /** The stage types the report reads by file name (built on their own branches, so checked by name). */
    static final String DIAGNOSE = "diagnose", SELECT = "select";

    public ReportConfig {
        if (strategies.isEmpty()) throw new IllegalArgumentException("strategies: expected at least one 'name: eval_stage'");
        if (!strategies.containsKey(baseline)) {
            throw new IllegalArgumentException("baseline: expected one of the strategies " + strategies.keySet() + ", found '"
                    + baseline + "'" + DidYouMean.hint(baseline, strategies.keySet()));
        }
        if (scaleNote.isBlank()) throw new IllegalArgumentException("scale_note: expected a sentence saying what scale the run is");
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>();
        for (String s : strategies.values()) if (!up.contains(s)) up.add(s);
        for (List<String> names : List.of(diagnostics, selections, costs)) {
            for (String s : names) if (!up.contains(s)) up.add(s);
        }
        return up;
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        strategies.forEach((name, stage) ->
                StageConfig.requireStage(stages, "strategies." + name, stage, EvalConfig.class, "an eval stage"));
        for (String d : diagnostics) requireType(stages, "diagnostics", d, DIAGNOSE, "its auroc_pairs.jsonl");
        for (String s : selections) requireType(stages, "selections", s, SELECT, "its summary.json");
        for (String c : costs) {
            if (!stages.containsKey(c)) throw new IllegalArgumentException("costs: no stage named '" + c + "'" + DidYouMean.hint(c, stages.keySet()));
        }
    }

    private static void requireType(Map<String, StageConfig> stages, String key, String name, String type, String what) {
        StageConfig s = stages.get(name);
        if (s == null) throw new IllegalArgumentException(key + ": no stage named '" + name + "'" + DidYouMean.hint(name, stages.keySet()));
        if (!s.type().equals(type)) {
            throw new IllegalArgumentException(key + ": stage '" + name + "' is a " + s.type() + " stage; expected a " + type
                    + " stage (" + what + ")");
        }
    }
}
