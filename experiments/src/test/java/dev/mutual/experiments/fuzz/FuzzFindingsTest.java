package dev.mutual.experiments.fuzz;

import dev.mutual.data.UserInputException;
import dev.mutual.experiments.recipe.RecipeLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the recipe fuzzer found, kept as a plain regression test on the smallest input that shows it. */
class FuzzFindingsTest {
    @TempDir
    Path dir;

    /**
     * A 1M-character scalar on one line (within the recipe size limit) made SnakeYAML allocate ~2 GB while scanning it:
     * now refused by line length, reading ~nothing.
     */
    @Test
    void aVeryLongLineIsRefusedCheaply() throws IOException {
        Path recipe = Files.writeString(dir.resolve("r.yaml"), "name: tiny\nseed: 3\nwarmup_steps: " + "x".repeat(1_000_000) + "\n");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        UserInputException e = assertThrows(UserInputException.class, () -> RecipeLoader.load(recipe, List.of(), Map.of(), dir));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(recipe + ":3: line too long for a recipe (expected at most 65536 characters, found 1000014)", e.getMessage());
        assertTrue(allocated < 64 << 20, "allocated " + (allocated >> 20) + " MB");
    }

    /** An override path 5000 keys long built a mapping 5000 deep, and binding it overflowed the stack: now refused. */
    @Test
    void aVeryDeepOverridePathIsRefused() throws IOException {
        Path recipe = Files.writeString(dir.resolve("r.yaml"), "name: tiny\nseed: 3\n");
        String override = "stages." + "a.".repeat(5000) + "x=1";
        UserInputException e = assertThrows(UserInputException.class, () -> RecipeLoader.load(recipe, List.of(override), Map.of(), dir));
        assertTrue(e.getMessage().endsWith(": the key path has 5002 keys; a recipe nests at most 40 deep"), e.getMessage());
    }
}
