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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every recipe shipped in recipes/ and experiments/ loads, binds and builds its pipeline (as {@code mutual validate} does). */
class RecipesTest {
    /** A recipe's path into the shared data folder beside the clone, as the recipes spell it. */
    private static final Pattern SHARED_PATH = Pattern.compile("\\$\\{MUTUAL_SHARED:-\\.\\./\\.\\./shared}/data/([^\\s\"']+)");

    private static final Pattern EXTENDS = Pattern.compile("(?m)^extends:\\s*(\\S+)");

    static List<Path> recipes() throws IOException {
        List<Path> all = new java.util.ArrayList<>();
        for (String dir : List.of("../recipes", "../experiments")) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().forEach(all::add);
            }
        }
        return all;
    }

    /** The recipe's text and that of the recipes it extends. */
    private static String text(Path file) throws IOException {
        String text = Files.readString(file);
        Matcher m = EXTENDS.matcher(text);
        return m.find() ? text + text(file.getParent().resolve(m.group(1))) : text;
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
            Matcher m = SHARED_PATH.matcher(text(file));
            while (m.find()) assumeShared(m.group(1));
        }
        Recipe recipe = RecipeLoader.load(file, List.of(), Map.of(), Path.of(""));
        Pipeline pipeline = Stages.pipeline(recipe);
        assertEquals(recipe.stages().size(), pipeline.stages().size(), file.toString());
    }

    /**
     * The base models are stages of several experiments recipes; they are trained once only if every recipe spells
     * them the same way (same resolved config, same cache key).
     */
    @Test
    void theExperimentsSpellEachBaseModelTheSameWay() throws IOException {
        assumeShared("corpus/train.jsonl.gz");
        Map<String, String> first = new java.util.LinkedHashMap<>();
        int compared = 0;
        for (Path file : recipes()) {
            if (!file.startsWith(Path.of("../experiments"))) continue;
            Recipe recipe = RecipeLoader.load(file, List.of(), Map.of("MUTUAL_SHARED", "../../shared"), Path.of(""));
            for (Map.Entry<String, dev.mutual.experiments.recipe.StageConfig> e : recipe.stages().entrySet()) {
                if (!e.getKey().startsWith("base_")) continue;
                String yaml = dev.mutual.experiments.recipe.RecipeWriter.toYaml(e.getValue());
                String earlier = first.putIfAbsent(e.getKey(), yaml);
                if (earlier != null) {
                    assertEquals(earlier, yaml, file + ": stage " + e.getKey() + " differs from its first definition");
                    compared++;
                }
            }
        }
        assertEquals(java.util.Set.of("base_llama_s", "base_llama_m", "base_llama_l", "base_mistral_s", "base_qwen2_s"), first.keySet());
        assertTrue(compared >= 8, "compared " + compared);
    }
}
