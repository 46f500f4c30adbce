package dev.mutual.experiments.pipeline;

import dev.mutual.data.UserInputException;
import dev.mutual.experiments.recipe.EvalConfig;
import dev.mutual.experiments.recipe.PrepareDataConfig;
import dev.mutual.experiments.recipe.SynthesizeConfig;
import dev.mutual.experiments.recipe.CurateConfig;
import dev.mutual.experiments.recipe.MixConfig;
import dev.mutual.experiments.recipe.SelectConfig;
import dev.mutual.experiments.recipe.DiagnoseConfig;
import dev.mutual.experiments.recipe.ScorePairsConfig;
import dev.mutual.experiments.recipe.TableConfig;
import dev.mutual.experiments.recipe.TrainConfig;
import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeWriter;
import dev.mutual.experiments.recipe.ReportConfig;
import dev.mutual.experiments.recipe.StageConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds the pipeline a recipe describes: one {@link Stage} per entry of {@code stages:}. */
public final class Stages {

    private Stages() {}

    /** The recipe's pipeline, ordered; throws {@link UserInputException} for a cycle between stages. */
    public static Pipeline pipeline(Recipe recipe) {
        List<PipelineStage> stages = new ArrayList<>();
        for (Map.Entry<String, StageConfig> e : recipe.stages().entrySet()) {
            StageConfig config = withRunner(e.getValue(), recipe.runner());
            // The recipe's seed is every stage's default seed, so it belongs to each cache key: stages of two recipes
            // (or two runs) with the same keys but other seeds are not the same work.
            String text = RecipeWriter.toYaml(config) + "# recipe seed " + recipe.seed() + "\n";
            stages.add(new PipelineStage(e.getKey(), config.type(), text, config.upstream(), create(config, recipe)));
        }
        return new Pipeline(stages);
    }

    /**
     * A sharded stage's config with the runner it will use filled in (its own, else the recipe's), so the runner is
     * part of its cache key: switching runners reruns synthesize and score_pairs, and the stages downstream are
     * reused when their outputs come out the same (they do: the runners give the same files). prepare_data too.
     */
    static StageConfig withRunner(StageConfig config, String recipeRunner) {
        if (config instanceof SynthesizeConfig s && s.runner() == null) return s.withRunner(recipeRunner);
        if (config instanceof ScorePairsConfig s && s.runner() == null) return s.withRunner(recipeRunner);
        if (config instanceof PrepareDataConfig p && p.runner() == null) return p.withRunner(recipeRunner);
        return config;
    }

    /** The implementation of one stage config. A new stage type adds its case here. */
    static Stage create(StageConfig config, Recipe recipe) {
        if (config instanceof PrepareDataConfig p) return new PrepareDataStage(p, recipe.seed(), recipe.runner(), recipe.spark());
        if (config instanceof TrainConfig t) return new TrainStage(t, recipe.seed());
        if (config instanceof SynthesizeConfig s) return new SynthesizeStage(s, recipe.seed(), recipe.runner(), recipe.spark());
        if (config instanceof EvalConfig e) return new EvalStage(e, recipe.name(), recipe.seed());
        if (config instanceof ReportConfig r) return new ReportStage(r, recipe.name());
        if (config instanceof TableConfig t) return new TableStage(t, recipe.name());
        if (config instanceof SelectConfig s) return new SelectStage(s, recipe.seed());
        if (config instanceof MixConfig m) return new MixStage(m);
        if (config instanceof CurateConfig c) return new CurateStage(c, System.getenv());
        if (config instanceof ScorePairsConfig s) return new ScorePairsStage(s, recipe.runner(), recipe.spark());
        if (config instanceof DiagnoseConfig d) return new DiagnoseStage(d, recipe.seed(), System.getenv());
        throw new IllegalStateException("no stage implementation for " + config.getClass().getSimpleName());
    }
}
