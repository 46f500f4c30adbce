package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every recipe shipped in recipes/ loads, binds and builds its pipeline (as {@code mutual validate} does). */
class RecipesTest {

    @Test
    void everyRecipeInTheRepositoryValidates() throws IOException {
        List<Path> recipes;
        try (Stream<Path> files = Files.list(Path.of("../recipes"))) {
            recipes = files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        assertFalse(recipes.isEmpty(), "no recipes in ../recipes");
        for (Path file : recipes) {
            Recipe recipe = RecipeLoader.load(file, List.of(), Map.of(), Path.of(""));
            Pipeline pipeline = Stages.pipeline(recipe);
            assertEquals(recipe.stages().size(), pipeline.stages().size(), file.toString());
        }
    }
}
