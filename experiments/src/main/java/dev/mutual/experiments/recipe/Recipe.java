package dev.mutual.experiments.recipe;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * One experiment, as a YAML recipe describes it. The README's recipe reference documents every key; a test
 * keeps it in step with these records.
 *
 * @param name   names the run directory {@code runs/<name>/...}; letters, digits, '.', '_' and '-'
 * @param seed   the seed every random choice derives from (near-dedup permutations, later sampling and training)
 * @param paths  where runs go
 * @param runner where synthesize and score_pairs run their shards unless a stage says otherwise: local or spark
 * @param spark  the Spark cluster for runner: spark
 * @param stages the steps by name, in recipe order; a stage runs after the stages it reads from
 */
public record Recipe(
        String name,
        @Default("0") long seed,
        @Default("{}") PathsConfig paths,
        @Default("local") String runner,
        @Default("{}") SparkSettings spark,
        Map<String, StageConfig> stages) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final Pattern STAGE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public Recipe {
        SparkSettings.checkRunner(runner);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name must be letters, digits, '.', '_' or '-' (it names a directory), found '" + name + "'");
        }
        if (stages.isEmpty()) throw new IllegalArgumentException("stages is empty; a recipe needs at least one stage");
        for (Map.Entry<String, StageConfig> stage : stages.entrySet()) {
            if (!STAGE_NAME.matcher(stage.getKey()).matches()) {
                throw new IllegalArgumentException("stage name '" + stage.getKey()
                        + "' must be lower-case letters, digits, '_' or '-' (it names a directory)");
            }
            for (String upstream : stage.getValue().upstream()) {
                if (!stages.containsKey(upstream)) {
                    throw new IllegalArgumentException("stage '" + stage.getKey() + "' reads from stage '" + upstream
                            + "', which the recipe does not define" + DidYouMean.hint(upstream, stages.keySet()));
                }
            }
        }
        for (Map.Entry<String, StageConfig> stage : stages.entrySet()) {
            try {
                stage.getValue().checkReferences(stages);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("stages." + stage.getKey() + "." + e.getMessage(), e);
            }
        }
    }
}
