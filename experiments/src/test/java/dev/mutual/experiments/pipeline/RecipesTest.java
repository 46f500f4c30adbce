package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every recipe shipped in recipes/ loads, binds and builds its pipeline (as {@code mutual validate} does). */
class RecipesTest {
    /** A recipe's path into the shared data folder beside the clone, as the recipes spell it. */
    private static final Pattern SHARED_PATH = Pattern.compile("\\$\\{MUTUAL_SHARED:-\\.\\./\\.\\./shared}/data/([^\\s\"']+)");

    static List<Path> recipes() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("../recipes"))) {
            return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    @Test
    void thereAreRecipes() throws IOException {
        assertFalse(recipes().isEmpty(), "no recipes in ../recipes");
    }

    @ParameterizedTest
    @MethodSource("recipes")
    void everyRecipeInTheRepositoryValidates(Path file) throws IOException {
        if (System.getenv("MUTUAL_SHARED") == null) {
            // a recipe on the shared data is skipped (with the path it needs) in a clone without ../shared
            Matcher m = SHARED_PATH.matcher(Files.readString(file));
            while (m.find()) assumeShared(m.group(1));
        }
        Recipe recipe = RecipeLoader.load(file, List.of(), Map.of(), Path.of(""));
        Pipeline pipeline = Stages.pipeline(recipe);
        assertEquals(recipe.stages().size(), pipeline.stages().size(), file.toString());
    }
}
