package dev.mutual.experiments.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code table}: a paper-style table of data strategies across variants (architectures, sizes, ablations) and
 * training seeds. Writes {@code table.md}, {@code table.csv} and one PNG per metric: each row's score (mean over its
 * seeds), its delta against the baseline strategy of the same variant and a 95% bootstrap interval that resamples
 * training seeds and evaluation items; the filter diagnostics (AUROC against gold instructions with an interval,
 * Spearman with human quality scores), kept counts and the cost. A {@code main:} block with {@code variants} or
 * {@code training_seeds} plans this stage itself.
 *
 * @param title       the table's heading, e.g. "T2: seed-only vs MAIN across architectures"; null for the recipe's name
 * @param rows        variant to strategy to its eval stages, one per training seed (seed i of every strategy of a
 *                    variant is paired with seed i of the baseline)
 * @param baseline    the strategy each row is compared with, in the row's variant
 * @param diagnostics a label to its diagnose stages, one per training seed
 * @param selections  a label to its select stages, one per training seed (their kept counts)
 * @param costs       stages whose seconds the table adds up (from their {@code _SUCCESS.json})
 * @param scaleNote   the table's first sentence: what scale the run is and what it can show
 */
@StageType("table")
public record TableConfig(
        @Default("null") String title,
        Map<String, Map<String, List<String>>> rows,
        @Default("seed_only") String baseline,
        @Default("{}") Map<String, List<String>> diagnostics,
        @Default("{}") Map<String, List<String>> selections,
        @Default("[]") List<String> costs,
        @Default("This is a small-scale run (small models, short training, sampled data); read the intervals before the means.")
        String scaleNote) implements StageConfig {

    public TableConfig {
        if (rows.isEmpty()) throw new IllegalArgumentException("rows: expected at least one 'variant: {strategy: [eval stages]}'");
        rows.forEach((variant, strategies) -> {
            if (!strategies.containsKey(baseline)) {
                throw new IllegalArgumentException("rows." + variant + ": expected the baseline strategy '" + baseline + "' among "
                        + strategies.keySet() + DidYouMean.hint(baseline, strategies.keySet()));
            }
            int seeds = strategies.get(baseline).size();
            strategies.forEach((strategy, evals) -> {
                if (evals.isEmpty()) throw new IllegalArgumentException("rows." + variant + "." + strategy + ": expected at least one eval stage");
                if (evals.size() != seeds) {
                    throw new IllegalArgumentException("rows." + variant + "." + strategy + ": " + evals.size() + " eval stages (seeds), but the"
                            + " baseline has " + seeds + "; seed i of each strategy is paired with seed i of the baseline");
                }
            });
        });
        if (scaleNote.isBlank()) throw new IllegalArgumentException("scale_note: expected a sentence saying what scale the run is");
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>();
        rows.values().forEach(s -> s.values().forEach(evals -> add(up, evals)));
        diagnostics.values().forEach(d -> add(up, d));
        selections.values().forEach(s -> add(up, s));
        add(up, costs);
        return up;
    }

    private static void add(List<String> up, List<String> names) {
        for (String n : names) if (!up.contains(n)) up.add(n);
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        rows.forEach((variant, strategies) -> strategies.forEach((strategy, evals) -> {
            for (String e : evals) StageConfig.requireStage(stages, "rows." + variant + "." + strategy, e, EvalConfig.class, "an eval stage");
        }));
        diagnostics.forEach((label, names) -> {
            for (String d : names) StageConfig.requireStage(stages, "diagnostics." + label, d, DiagnoseConfig.class, "a diagnose stage");
        });
        selections.forEach((label, names) -> {
            for (String s : names) StageConfig.requireStage(stages, "selections." + label, s, SelectConfig.class, "a select stage");
        });
        for (String c : costs) {
            if (!stages.containsKey(c)) throw new IllegalArgumentException("costs: no stage named '" + c + "'" + DidYouMean.hint(c, stages.keySet()));
        }
    }
}
