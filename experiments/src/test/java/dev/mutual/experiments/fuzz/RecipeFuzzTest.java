package dev.mutual.experiments.fuzz;

import dev.mutual.experiments.pipeline.Stages;
import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeLoader;
import dev.mutual.experiments.recipe.RecipeWriter;
import dev.mutual.testing.fuzz.FuzzCase;
import dev.mutual.testing.fuzz.Fuzzer;
import dev.mutual.testing.fuzz.Seed;
import dev.mutual.testing.SharedDataAssumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes recipes as {@code mutual validate --print} and {@code mutual train --recipe} read them (see {@link Fuzzer} for
 * the rules and how to replay a case): the repository's recipes mutated as YAML (types, keys, indentation, nesting,
 * aliases, alias bombs) and as bytes, with random {@code key.path=value} overrides.
 */
class RecipeFuzzTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final String[] OVERRIDE_VALUES = {"1", "-1", "0", "1e400", ".nan", "x", "[]", "{}", "[1, 2]", "{a: 1}", "~", "",
            "99999999999", "*alias", "&a", "!!binary AAAA", "'unterminated", "[", "true", "${NOPE}", "${MUTUAL_FUZZ}", "${MUTUAL_FUZZ:-x}",
            "[".repeat(5000) + "]".repeat(5000), "{a: ".repeat(5000) + "1" + "}".repeat(5000), "x".repeat(1_000_000),
            "[&b [x, x], *b, *b, *b, *b, *b, *b]", "\u0000", "${" + "x".repeat(100_000) + "}"};
    private static final String[] OVERRIDE_PATHS = {"seed", "name", "paths.runs", "steps", "lr", "init.layers", "stages", "stages.99999999999.x",
            "stages.-1.x", "stages.0", "a..b", "", "=", ".", "main.rounds", "stages.train.steps", "data", "tokenizer",
            "stages." + "a.".repeat(5000) + "x", "seed.x", "name[0]", "stages.0.0.0"};

    @Test
    void recipesFailCleanWhenMutated() throws IOException {
        // Recipes that read ../shared join when it is there (a fresh clone fuzzes the other two).
        Path shared = SharedDataAssumptions.DATA.getParent().toAbsolutePath().normalize();
        boolean withShared = Files.isDirectory(SharedDataAssumptions.DATA);
        List<Seed> seeds = new ArrayList<>();
        for (String name : new String[] {"quickstart.yaml", "train_tiny.yaml", "pretrain_tiny.yaml", "main_small.yaml", "main_data_small.yaml"}) {
            if (withShared || name.startsWith("quick") || name.startsWith("train")) {
                seeds.add(Seed.of(REPO.resolve("recipes").resolve(name), Seed.Kind.YAML));
            }
        }
        Fuzzer.Report report = Fuzzer.run("recipe", seeds, 3000, (c, dir) -> {
            // dir/repo/recipes/NAME beside dir/repo/samples and dir/shared: the recipe's relative paths resolve as in the repository.
            Path repo = Files.createDirectories(dir.resolve("repo"));
            Files.createSymbolicLink(repo.resolve("samples"), REPO.resolve("samples"));
            if (withShared) Files.createSymbolicLink(dir.resolve("shared"), shared);
            Path file = c.write(Files.createDirectories(repo.resolve("recipes")));
            List<String> overrides = c.unmutated() ? List.of() : overrides(c);
            Map<String, String> env = Map.of("MUTUAL_FUZZ", "fuzz");
            Recipe recipe = c.origin().name().startsWith("main") || c.origin().name().startsWith("quick") || c.random().nextBoolean()
                    ? RecipeLoader.load(file, overrides, env, dir)
                    : RecipeLoader.loadTraining(file, overrides, env, dir);
            Stages.pipeline(recipe);
            RecipeWriter.toYaml(recipe);
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** Zero to two overrides: a key of the recipe or a made-up path, and a value of any type, or a malformed override. */
    private static List<String> overrides(FuzzCase c) {
        SplittableRandom rnd = c.random();
        List<String> keys = new ArrayList<>(List.of(OVERRIDE_PATHS));
        for (String line : new String(c.origin().bytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            if (line.matches("[a-z_]+:.*")) keys.add(line.substring(0, line.indexOf(':')));
            if (line.matches("  [a-z_0-9]+:\\s*(#.*)?")) keys.add("stages." + line.trim().replaceAll(":.*", ""));
        }
        List<String> out = new ArrayList<>();
        int n = rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            String key = keys.get(rnd.nextInt(keys.size()));
            out.add(rnd.nextInt(8) == 0 ? key : key + "=" + OVERRIDE_VALUES[rnd.nextInt(OVERRIDE_VALUES.length)]);
        }
        return out;
    }
}
