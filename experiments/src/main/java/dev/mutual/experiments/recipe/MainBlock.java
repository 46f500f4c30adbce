package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import dev.mutual.data.hub.HubClient;
import dev.mutual.experiments.main.MainMethod;
import dev.mutual.experiments.main.MainSettings;
import dev.mutual.experiments.main.PlannedStage;

import java.lang.reflect.RecordComponent;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recipe's {@code main:} block, expanded into ordinary stages before the recipe is bound: the method keys go to
 * {@link MainSettings}, {@link MainMethod#plan} lists the stages, and each planned stage is written into
 * {@code stages:} as a mapping of its type, the keys of the blocks it takes (with the locations they were written
 * at, so errors point into the {@code main:} block) and the keys the plan sets. A stage of the same name already
 * in {@code stages:} without a {@code type} is a set of overrides for the planned one (e.g. from the command line,
 * {@code stages.forward_r1.steps=20}); one with a type is a conflict.
 */
final class MainBlock {

    private MainBlock() {}

    static void expand(RecipeNode.Mapping root, HubClient hub) {
        RecipeNode.Entry main = root.entries().remove("main");
        if (main == null) return;
        if (!(main.value() instanceof RecipeNode.Mapping block)) {
            throw new UserInputException(main.keyAt() + ": main: expected a mapping (seed_stage, pool_stage, rounds, ...), found "
                    + RecipeNode.describe(main.value()));
        }
        Map<String, RecipeNode.Mapping> blocks = new LinkedHashMap<>();
        LinkedHashMap<String, RecipeNode.Entry> settings = new LinkedHashMap<>();
        for (Map.Entry<String, RecipeNode.Entry> e : block.entries().entrySet()) {
            if (!MainMethod.BLOCKS.contains(e.getKey())) {
                settings.put(e.getKey(), e.getValue());
                continue;
            }
            if (!(e.getValue().value() instanceof RecipeNode.Mapping m)) {
                throw new UserInputException(e.getValue().keyAt() + ": main." + e.getKey() + ": expected a mapping of "
                        + "stage keys, found " + RecipeNode.describe(e.getValue().value()));
            }
            blocks.put(e.getKey(), m);
        }
        MainSettings m = RecordBinder.bindRecord(new RecipeNode.Mapping(settings, block.at()), MainSettings.class,
                "main", Set.copyOf(MainMethod.BLOCKS), hub);

        RecipeNode.Entry stagesEntry = root.entries().get("stages");
        RecipeNode.Mapping stages;
        if (stagesEntry == null) {
            stages = new RecipeNode.Mapping(new LinkedHashMap<>(), block.at());
            root.entries().put("stages", new RecipeNode.Entry(main.keyAt(), stages));
        } else if (stagesEntry.value() instanceof RecipeNode.Mapping s) {
            stages = s;
        } else {
            return;  // the binder reports a 'stages' that is not a mapping
        }
        Location planned = new Location("main (planned by MAIN)", 0, 0, block.at().baseDir());
        for (PlannedStage p : MainMethod.plan(m, blocks.containsKey("eval"))) {
            LinkedHashMap<String, RecipeNode.Entry> keys = new LinkedHashMap<>();
            keys.put("type", new RecipeNode.Entry(planned, new RecipeNode.Scalar(p.type(), false, planned)));
            for (String b : p.blocks()) {
                RecipeNode.Mapping given = blocks.get(b);
                if (given != null) keys.putAll(given.entries());
            }
            for (Map.Entry<String, Object> k : p.keys().entrySet()) {
                RecipeNode.Entry user = keys.get(k.getKey());
                if (user != null && user.keyAt().line() > 0) {
                    throw new UserInputException(user.keyAt() + ": " + k.getKey() + ": MAIN's plan sets this key of stage '"
                            + p.name() + "' itself (to " + k.getValue() + "); remove it from the main: block");
                }
                RecipeNode value = k.getValue() instanceof PlannedStage.Nested n
                        ? nested(p, k.getKey(), n, blocks, planned) : node(k.getValue(), planned);
                keys.put(k.getKey(), new RecipeNode.Entry(planned, value));
            }
            RecipeNode.Entry existing = stages.entries().get(p.name());
            if (existing != null) {
                if (!(existing.value() instanceof RecipeNode.Mapping over) || over.entries().containsKey("type")) {
                    throw new UserInputException(existing.keyAt() + ": stages." + p.name() + ": MAIN plans a stage of this name;"
                            + " rename yours, or drop its 'type' to override keys of the planned one");
                }
                keys.putAll(over.entries());
                stages.entries().remove(p.name());
            }
            stages.entries().put(p.name(), new RecipeNode.Entry(planned, new RecipeNode.Mapping(keys, planned)));
        }
    }

    /**
     * The mapping of a {@link PlannedStage.Nested} key of stage {@code p}: of each named block the keys that the
     * mapping's record takes (with their locations), then the plan's keys, which the blocks may not set.
     */
    private static RecipeNode nested(PlannedStage p, String key, PlannedStage.Nested n, Map<String, RecipeNode.Mapping> blocks,
                                     Location planned) {
        Set<String> takes = new HashSet<>();
        for (RecordComponent rc : RecordBinder.stageTypes().get(p.type()).getRecordComponents()) {
            if (RecordBinder.snake(rc.getName()).equals(key)) {
                for (RecordComponent c : rc.getType().getRecordComponents()) takes.add(RecordBinder.snake(c.getName()));
            }
        }
        if (takes.isEmpty()) throw new IllegalStateException(p.type() + " stages have no mapping key '" + key + "' of a record");
        LinkedHashMap<String, RecipeNode.Entry> entries = new LinkedHashMap<>();
        for (String b : n.blocks()) {
            RecipeNode.Mapping given = blocks.get(b);
            if (given != null) given.entries().forEach((name, e) -> {
                if (takes.contains(name)) entries.put(name, e);
            });
        }
        for (Map.Entry<String, Object> k : n.keys().entrySet()) {
            RecipeNode.Entry user = entries.get(k.getKey());
            if (user != null && user.keyAt().line() > 0) {
                throw new UserInputException(user.keyAt() + ": " + k.getKey() + ": MAIN's plan sets " + key + "." + k.getKey()
                        + " of stage '" + p.name() + "' itself (to " + k.getValue() + "); remove it from the main: block");
            }
            entries.put(k.getKey(), new RecipeNode.Entry(planned, node(k.getValue(), planned)));
        }
        return new RecipeNode.Mapping(entries, planned);
    }

    /** A plan value as a recipe node. */
    private static RecipeNode node(Object value, Location at) {
        if (value instanceof List<?> list) {
            return new RecipeNode.Sequence(list.stream().map(v -> node(v, at)).toList(), at);
        }
        if (value instanceof Map<?, ?> map) {
            LinkedHashMap<String, RecipeNode.Entry> entries = new LinkedHashMap<>();
            map.forEach((k, v) -> entries.put((String) k, new RecipeNode.Entry(at, node(v, at))));
            return new RecipeNode.Mapping(entries, at);
        }
        return new RecipeNode.Scalar(String.valueOf(value), false, at);
    }
}
