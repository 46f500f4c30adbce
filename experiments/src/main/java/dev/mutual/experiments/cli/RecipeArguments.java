package dev.mutual.experiments.cli;

import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeLoader;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code RECIPE [key.path=value ...]} arguments shared by {@code mutual run} and {@code mutual validate}. */
final class RecipeArguments {
    @Parameters(index = "0", paramLabel = "RECIPE", description = "the recipe YAML file")
    Path recipeFile;

    @Parameters(index = "1..*", paramLabel = "key.path=value", description = "overrides, e.g. seed=7 stages.prepare_seed.min_chars=20")
    List<String> overrides = new ArrayList<>();

    /** The recipe with the overrides applied and environment variables expanded, relative paths from the working directory. */
    Recipe load() {
        return RecipeLoader.load(recipeFile, overrides, System.getenv(), Path.of("").toAbsolutePath());
    }
}
