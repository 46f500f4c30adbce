package dev.mutual.experiments.main;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One stage the MAIN plan adds to a recipe: its type, the {@code main:} blocks whose keys it takes (in order, later
 * ones winning) and the keys the plan sets itself (the wiring between stages, the round). The recipe loader turns it
 * into an ordinary stage, so it is validated, cached and resumed like any stage written by hand.
 *
 * @param keys values are strings, numbers, booleans, lists or maps of them, or a {@link Nested} mapping
 */
public record PlannedStage(String name, String type, List<String> blocks, Map<String, Object> keys) {

    public PlannedStage {
        blocks = List.copyOf(blocks);
        keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    }

    /**
     * A key whose value is a mapping that takes, like a stage, keys of {@code main:} blocks and then the plan's own:
     * of each block in {@code blocks} the keys that this mapping's record has (a diagnose stage's {@code rating} takes
     * main.curate's method, prompt, ..., not its candidates), then {@code keys}.
     */
    public record Nested(List<String> blocks, Map<String, Object> keys) {

        public Nested {
            blocks = List.copyOf(blocks);
            keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        }

        @Override
        public String toString() {
            return keys + " with the keys of main." + String.join(", main.", blocks);
        }
    }
}
