package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import dev.mutual.experiments.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A recipe is untrusted text: alias bombs, recursive aliases, deep nesting and huge files stop with one
 * {@link UserInputException} (exit 2 from the CLI) before they cost memory. Before the limits, the 3^15 bomb and the
 * 48-alias bomb ran the JVM out of memory and the 4 MB recipe was accepted. The timeout turns a regression into a
 * failure, not a hung build.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RecipeLimitsTest {
    private static final String HEAD = "name: tiny\nseed: 3\n";

    @TempDir
    Path dir;

    private String error(String text) throws IOException {
        Path recipe = dir.resolve("r.yaml");
        Files.writeString(recipe, text);
        return assertThrows(UserInputException.class, () -> RecipeLoader.load(recipe, List.of(), Map.of(), dir)).getMessage();
    }

    /** {@code levels} anchors, each a list of {@code width} aliases of the one before: width^levels leaves. */
    private static String bomb(int levels, int width) {
        StringBuilder b = new StringBuilder(HEAD + "bomb:\n  l0: &l0 [" + "x, ".repeat(width - 1) + "x]\n");
        for (int i = 1; i <= levels; i++) {
            b.append("  l").append(i).append(": &l").append(i).append(" [").append(String.join(", ", java.util.Collections.nCopies(width, "*l" + (i - 1)))).append("]\n");
        }
        return b.toString();
    }

    @Test
    void theIssuesAliasBombsStopAtSnakeYamlsAliasLimit() throws IOException {
        String expected = dir.resolve("r.yaml") + ": not a usable recipe: Number of aliases for non-scalar nodes exceeds the specified max="
                + YamlTree.MAX_ALIASES + " (recipes allow at most " + YamlTree.MAX_ALIASES + " aliases to lists or mappings, nesting "
                + YamlTree.MAX_DEPTH + " deep, " + YamlTree.MAX_CHARS + " characters)";
        assertEquals(expected, error(bomb(15, 3)), "3^15 leaves from 45 aliases");
        assertEquals(expected, error(bomb(24, 2)), "2^24 leaves from 48 aliases");
    }

    @Test
    void aBombWithinTheAliasLimitStopsAtTheExpandedSize() throws IOException {
        // 10 levels of 3 aliases = 30 aliases, 3^10 = 59049 leaves per top list; two such lists pass the node limit.
        String text = bomb(10, 3) + "stages:\n  a: *l10\n  b: *l10\n";
        String e = error(text);
        assertTrue(e.startsWith(dir.resolve("r.yaml") + ":"), e);
        assertTrue(e.contains(": the recipe expands to more than " + YamlTree.MAX_NODES + " values once its aliases (*name) are copied"
                + " (expected a recipe, found what looks like an alias bomb; repeat fewer aliases)"), e);
    }

    @Test
    void anAliasInsideItsOwnAnchorIsNamed() throws IOException {
        assertEquals(dir.resolve("r.yaml") + ":3:7: the alias *a is used inside its own anchor &a (expected a value that ends,"
                + " found one that contains itself)", error(HEAD + "loop: &a [x, *a]\n"));
    }

    @Test
    void nestingIsBounded() throws IOException {
        int n = YamlTree.MAX_DEPTH + 5;
        String e = error(HEAD + "deep: " + "[".repeat(n) + "]".repeat(n) + "\n");
        assertEquals(dir.resolve("r.yaml") + ": not a usable recipe: Nesting Depth exceeded max " + YamlTree.MAX_DEPTH + " (recipes allow at most "
                + YamlTree.MAX_ALIASES + " aliases to lists or mappings, nesting " + YamlTree.MAX_DEPTH + " deep, " + YamlTree.MAX_CHARS + " characters)", e);
        // Within the text limit, but deeper once an alias is copied under a nested key.
        int half = YamlTree.MAX_DEPTH - 3;
        String e2 = error(HEAD + "a: &a " + "[".repeat(half) + "]".repeat(half) + "\nb: " + "[".repeat(half) + "*a" + "]".repeat(half) + "\n");
        assertTrue(e2.contains(": nested more than " + YamlTree.MAX_DEPTH + " deep once aliases (*name) are copied (expected a recipe, found a deeper tree)"), e2);
    }

    @Test
    void aLongRecipeIsRefusedEvenWhenItIsAllComments() throws IOException {
        StringBuilder big = new StringBuilder(HEAD);
        while (big.length() < 2 << 20) big.append("# a comment that SnakeYAML's code point limit does not count\n");
        assertEquals(dir.resolve("r.yaml") + ": too long for a recipe (expected at most " + YamlTree.MAX_CHARS + " characters, found "
                + big.length() + ")", error(big.toString()));
        while (big.length() < 4 << 20) big.append("# a comment that SnakeYAML's code point limit does not count\n");
        assertEquals("recipe " + dir.resolve("r.yaml") + ": too long for a recipe (expected at most " + YamlTree.MAX_CHARS
                + " characters, found a file of " + big.length() + " bytes)", error(big.toString()), "the issue's 4 MB recipe");
    }

    @Test
    void aHugeSparseRecipeIsRefusedWithoutReadingIt() throws IOException {
        Path recipe = dir.resolve("huge.yaml");
        try (RandomAccessFile f = new RandomAccessFile(recipe.toFile(), "rw")) {
            f.setLength(3L << 30); // 3 GB of zeros, sparse: reading it would exhaust the heap
        }
        UserInputException e = assertThrows(UserInputException.class, () -> RecipeLoader.load(recipe, List.of(), Map.of(), dir));
        assertEquals("recipe " + recipe + ": too long for a recipe (expected at most " + YamlTree.MAX_CHARS + " characters, found a file of "
                + (3L << 30) + " bytes)", e.getMessage());
    }

    @Test
    void anOverrideIsBoundedToo() throws IOException {
        Path recipe = dir.resolve("r.yaml");
        Files.writeString(recipe, HEAD + "stages: {}\n");
        String bombValue = "{l0: &l0 [x, x, x], " + String.join(", ", java.util.stream.IntStream.rangeClosed(1, 15)
                .mapToObj(i -> "l" + i + ": &l" + i + " [*l" + (i - 1) + ", *l" + (i - 1) + ", *l" + (i - 1) + "]").toList()) + "}";
        UserInputException e = assertThrows(UserInputException.class,
                () -> RecipeLoader.load(recipe, List.of("stages.x=" + bombValue), Map.of(), dir));
        assertTrue(e.getMessage().contains("Number of aliases for non-scalar nodes exceeds the specified max=" + YamlTree.MAX_ALIASES), e.getMessage());
    }

    @Test
    void validateExitsTwoWithOneLine() throws IOException {
        Path recipe = dir.resolve("r.yaml");
        Files.writeString(recipe, bomb(15, 3));
        CliRun run = CliRun.of("validate", recipe.toString());
        assertEquals(2, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void theShippedRecipesStayWithinTheLimits() throws IOException {
        try (var files = Files.list(Path.of("..", "recipes"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                RecipeNode root = YamlTree.parse(Files.readString(p), p.toString(), p.getParent());
                assertTrue(root instanceof RecipeNode.Mapping, p.toString());
            }
        }
    }
}
