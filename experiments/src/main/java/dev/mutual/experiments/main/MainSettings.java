package dev.mutual.experiments.main;

import dev.mutual.experiments.recipe.Default;

import java.nio.file.Path;
import java.util.List;

/**
 * The method keys of a recipe's {@code main:} block (the stage-key blocks beside them, {@link MainMethod#BLOCKS},
 * are merged into the stages the plan makes).
 *
 * @param seedStage        a stage of the recipe whose data.jsonl holds the seed pairs (x, y), e.g. a prepare_data stage
 * @param poolStage        a stage whose data.jsonl holds the unlabelled responses y'
 * @param baseStage        a train stage whose model every MAIN model starts from (e.g. a pretraining stage); or
 * @param baseModel        an HF model directory or llama2.c .bin to start from; with neither, the {@code train} block
 *                         must give {@code init} (then "from the base" means the same random initialisation)
 * @param rounds           EM rounds of synthesis, filtering and retraining
 * @param continueTraining round r trains from round r-1's models instead of from the base
 * @param baselines        the strategies trained beside MAIN, each one switch (see {@link MainMethod#BASELINES})
 * @param diagnostics      per round, score the gold pairs of the pool against shuffled ones (AUROC), when it has them
 * @param rateInDiagnostics with a Humpback baseline, each diagnose stage also rates the pool's gold and shuffled pairs
 *                         with the self-curation rater (its AUROC beside MAIN's scores); the rater scores five
 *                         ratings of a ~1,500-token prompt per pair, by far the costliest part of a diagnose stage
 * @param trainingSeeds    run the whole method (and every baseline) once per seed: each seed goes to every train,
 *                         synthesize and select stage, and a {@code table} stage compares the strategies over seeds
 */
public record MainSettings(
        String seedStage,
        String poolStage,
        @Default("null") String baseStage,
        @Default("null") Path baseModel,
        @Default("1") int rounds,
        @Default("false") boolean continueTraining,
        @Default("[seed_only, backtranslation]") List<String> baselines,
        @Default("true") boolean diagnostics,
        @Default("true") boolean rateInDiagnostics,
        @Default("[]") List<Long> trainingSeeds) {

    public MainSettings {
        if (baseStage != null && baseModel != null) {
            throw new IllegalArgumentException("expected at most one of 'base_stage' and 'base_model', found both");
        }
        if (rounds < 1) throw new IllegalArgumentException("rounds: expected >= 1, found " + rounds);
        for (String b : baselines) {
            if (!MainMethod.BASELINES.contains(b)) {
                throw new IllegalArgumentException("baselines: expected names from " + MainMethod.BASELINES + ", found '" + b + "'");
            }
        }
        if (trainingSeeds.size() != trainingSeeds.stream().distinct().count()) {
            throw new IllegalArgumentException("training_seeds: a seed appears twice in " + trainingSeeds);
        }
        for (Long seed : trainingSeeds) {
            if (seed < 0) throw new IllegalArgumentException("training_seeds: expected seeds >= 0, found " + seed);
        }
        if (baselines.size() != baselines.stream().distinct().count()) {
            throw new IllegalArgumentException("baselines: a name appears twice in " + baselines);
        }
    }
}
