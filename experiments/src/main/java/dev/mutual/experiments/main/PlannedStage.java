package dev.mutual.experiments.main;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One stage the MAIN plan adds to a recipe: its type, the {@code main:} blocks whose keys it takes (in order, later
 * ones winning) and the keys the plan sets itself (the wiring between stages, the round). The recipe loader turns it
 * into an ordinary stage, so it is validated, cached and resumed like any stage written by hand.
 *
 * @param keys values are strings, numbers, booleans, lists or maps of them
 */
public record PlannedStage(String name, String type, List<String> blocks, Map<String, Object> keys) {

    public PlannedStage {
        blocks = List.copyOf(blocks);
        keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    }
}
