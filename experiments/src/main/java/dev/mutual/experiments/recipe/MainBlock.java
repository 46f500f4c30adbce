package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import dev.mutual.data.hub.HubClient;
import dev.mutual.experiments.main.MainMethod;
import dev.mutual.experiments.main.MainSettings;
import dev.mutual.experiments.main.PlannedStage;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
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
 *
 * <p>With {@code training_seeds} or {@code variants} the plan is made once per variant and seed (stage names end
 * {@code _<variant>} and {@code _s<seed>}), a stage equal to one already planned (same type and keys once its
 * references are renamed) is planned once and shared, and one {@code table} stage replaces the per-plan report.
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
        RecipeNode.Entry variantsEntry = block.entries().get("variants");
        Map<String, RecipeNode.Mapping> blocks = new LinkedHashMap<>();
        LinkedHashMap<String, RecipeNode.Entry> settings = new LinkedHashMap<>();
        split(block, "main", blocks, settings);

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
        Set<String> recipeStages = new LinkedHashSet<>();
        stages.entries().forEach((name, e) -> {
            if (e.value() instanceof RecipeNode.Mapping m && m.entries().containsKey("type")) recipeStages.add(name);
        });

        Map<String, Variant> variants = variants(variantsEntry, settings, blocks, block.at(), hub);
        boolean table = variantsEntry != null || variants.values().stream().anyMatch(v -> !v.settings().trainingSeeds().isEmpty());
        Location planned = new Location("main (planned by MAIN)", 0, 0, block.at().baseDir());
        Expansion x = new Expansion(stages, planned);
        // table rows: variant -> strategy -> eval stage per seed; diagnostics and selections: label -> stage per seed
        Map<String, Map<String, List<String>>> rows = new LinkedHashMap<>();
        Map<String, List<String>> diagnostics = new LinkedHashMap<>(), selections = new LinkedHashMap<>();
        for (Map.Entry<String, Variant> ve : variants.entrySet()) {
            Variant v = ve.getValue();
            MainSettings m = v.settings();
            List<Long> seeds = m.trainingSeeds().isEmpty() ? java.util.Collections.singletonList(null) : m.trainingSeeds();
            for (Long seed : seeds) {
                String suffix = (variantsEntry != null ? "_" + ve.getKey() : "") + (seed != null ? "_s" + seed : "");
                List<PlannedStage> plan = ordered(MainMethod.plan(m, v.blocks().containsKey("eval"), v.blocks().containsKey("pairwise")));
                Set<String> names = new HashSet<>();
                for (PlannedStage p : plan) names.add(p.name());
                java.util.function.UnaryOperator<String> ref = n -> names.contains(n) ? x.alias.get(n + suffix) : n;
                for (PlannedStage p : plan) {
                    if (table && p.type().equals("report")) {  // one table over every variant and seed replaces the report
                        @SuppressWarnings("unchecked") Map<String, String> strategies = (Map<String, String>) p.keys().get("strategies");
                        strategies.forEach((strategy, eval) -> rows.computeIfAbsent(ve.getKey(), k -> new LinkedHashMap<>())
                                .computeIfAbsent(strategy, k -> new ArrayList<>()).add(ref.apply(eval)));
                        for (Object d : (List<?>) p.keys().get("diagnostics")) {
                            diagnostics.computeIfAbsent(label(variants.size(), ve.getKey(), (String) d), k -> new ArrayList<>()).add(ref.apply((String) d));
                        }
                        for (Object s : (List<?>) p.keys().get("selections")) {
                            if (!((String) s).matches("select_r\\d+")) continue;  // MAIN's own rounds
                            selections.computeIfAbsent(label(variants.size(), ve.getKey(), (String) s), k -> new ArrayList<>()).add(ref.apply((String) s));
                        }
                        continue;
                    }
                    Map<String, Object> keys = new LinkedHashMap<>();
                    p.keys().forEach((k, value) -> keys.put(k, renamed(value, ref)));
                    if (seed != null && MainMethod.SEEDED.contains(p.type()) && (!p.type().equals("select") || random(p, v.blocks()))) {
                        keys.put("seed", seed);
                    }
                    x.add(new PlannedStage(p.name() + suffix, p.type(), p.blocks(), keys), v.blocks());
                }
            }
        }
        if (table && !rows.isEmpty()) {
            // each list over seeds: a stage shared by every seed (deduplicated) appears once per seed, as the table pairs by position
            Map<String, Object> keys = new LinkedHashMap<>();
            keys.put("rows", rows);
            String baseline = rows.values().iterator().next().containsKey("seed_only") ? "seed_only" : "main";
            keys.put("baseline", baseline);
            keys.put("diagnostics", distinct(diagnostics));
            keys.put("selections", distinct(selections));
            List<String> costs = new ArrayList<>(recipeStages);
            costs.addAll(x.added);
            keys.put("costs", costs);
            x.add(new PlannedStage("table", "table", List.of("table"), keys), blocks);
        }
    }

    /** Whether a planned select stage draws at random (only then does it take a seed). */
    private static boolean random(PlannedStage p, Map<String, RecipeNode.Mapping> blocks) {
        Object mode = p.keys().get("mode");
        for (String b : p.blocks()) {
            RecipeNode.Mapping m = blocks.get(b);
            if (mode == null && m != null && m.entries().get("mode") != null && m.entries().get("mode").value() instanceof RecipeNode.Scalar sc) {
                mode = sc.text();
            }
        }
        return "random".equals(mode);
    }

    /** The labels whose stages no earlier label lists (variants that share a diagnose stage show it once). */
    private static Map<String, List<String>> distinct(Map<String, List<String>> labelled) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        labelled.forEach((label, stages) -> {
            if (!out.containsValue(stages)) out.put(label, stages);
        });
        return out;
    }

    /** A diagnostics or selection label: the stage's name in the plan, after its variant when there are several. */
    private static String label(int variants, String variant, String stage) {
        return variants > 1 ? variant + "/" + stage : stage;
    }

    /** A {@code main:} mapping's stage-key blocks and its method keys. */
    private static void split(RecipeNode.Mapping block, String path, Map<String, RecipeNode.Mapping> blocks,
                              LinkedHashMap<String, RecipeNode.Entry> settings) {
        for (Map.Entry<String, RecipeNode.Entry> e : block.entries().entrySet()) {
            if (e.getKey().equals("variants")) continue;
            if (!MainMethod.BLOCKS.contains(e.getKey())) {
                settings.put(e.getKey(), e.getValue());
                continue;
            }
            if (!(e.getValue().value() instanceof RecipeNode.Mapping m)) {
                throw new UserInputException(e.getValue().keyAt() + ": " + path + "." + e.getKey() + ": expected a mapping of "
                        + "stage keys, found " + RecipeNode.describe(e.getValue().value()));
            }
            blocks.put(e.getKey(), m);
        }
    }

    /** One way of running the method: its method keys and stage-key blocks, after the variant's overrides. */
    private record Variant(MainSettings settings, Map<String, RecipeNode.Mapping> blocks) {}

    /**
     * {@code main.variants}: name to a mapping of method keys and blocks that override main's for that variant (a
     * block's keys are merged into main's block of that name). Without variants, one unnamed variant: main itself.
     */
    private static Map<String, Variant> variants(RecipeNode.Entry entry, LinkedHashMap<String, RecipeNode.Entry> settings,
                                                 Map<String, RecipeNode.Mapping> blocks, Location at, HubClient hub) {
        Map<String, Variant> variants = new LinkedHashMap<>();
        if (entry == null) {
            variants.put("all", new Variant(bind(settings, at, "main", hub), blocks));
            return variants;
        }
        if (!(entry.value() instanceof RecipeNode.Mapping named) || named.entries().isEmpty()) {
            throw new UserInputException(entry.keyAt() + ": main.variants: expected a mapping of variant names to the main keys "
                    + "they change (e.g. mistral: {base_stage: base_mistral_s}), found " + RecipeNode.describe(entry.value()));
        }
        for (Map.Entry<String, RecipeNode.Entry> v : named.entries().entrySet()) {
            String path = "main.variants." + v.getKey();
            if (!VARIANT_NAME.matcher(v.getKey()).matches()) {
                throw new UserInputException(v.getValue().keyAt() + ": " + path + ": a variant name must be lower-case letters, digits or '_'"
                        + " (it ends the names of the variant's stages)");
            }
            RecipeNode value = v.getValue().value();
            RecipeNode.Mapping over = value instanceof RecipeNode.Scalar sc && sc.isNull()
                    ? new RecipeNode.Mapping(new LinkedHashMap<>(), v.getValue().keyAt()) : value instanceof RecipeNode.Mapping m ? m : null;
            if (over == null) {
                throw new UserInputException(v.getValue().keyAt() + ": " + path + ": expected a mapping of main keys (or {} for main as it is), found "
                        + RecipeNode.describe(value));
            }
            for (String k : over.entries().keySet()) {
                if (k.equals("variants") || k.equals("training_seeds")) {
                    throw new UserInputException(over.entries().get(k).keyAt() + ": " + path + "." + k + ": set " + k + " on main itself, not per variant");
                }
            }
            Map<String, RecipeNode.Mapping> overBlocks = new LinkedHashMap<>();
            LinkedHashMap<String, RecipeNode.Entry> overSettings = new LinkedHashMap<>();
            split(over, path, overBlocks, overSettings);
            LinkedHashMap<String, RecipeNode.Entry> s = new LinkedHashMap<>(settings);
            s.putAll(overSettings);
            Map<String, RecipeNode.Mapping> b = new LinkedHashMap<>(blocks);
            overBlocks.forEach((name, m) -> {
                LinkedHashMap<String, RecipeNode.Entry> merged = new LinkedHashMap<>();
                if (blocks.containsKey(name)) merged.putAll(blocks.get(name).entries());
                merged.putAll(m.entries());
                b.put(name, new RecipeNode.Mapping(merged, m.at()));
            });
            variants.put(v.getKey(), new Variant(bind(s, at, path, hub), b));
        }
        return variants;
    }

    private static final java.util.regex.Pattern VARIANT_NAME = java.util.regex.Pattern.compile("[a-z0-9_]+");

    private static MainSettings bind(LinkedHashMap<String, RecipeNode.Entry> settings, Location at, String path, HubClient hub) {
        return RecordBinder.bindRecord(new RecipeNode.Mapping(settings, at), MainSettings.class, path,
                Set.copyOf(MainMethod.BLOCKS), hub);
    }

    /** The plan with every stage after the planned stages it names (a stage may name one planned later, e.g. pairwise.against). */
    private static List<PlannedStage> ordered(List<PlannedStage> plan) {
        Set<String> names = new HashSet<>();
        for (PlannedStage p : plan) names.add(p.name());
        List<PlannedStage> out = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        while (out.size() < plan.size()) {
            boolean progress = false;
            for (PlannedStage p : plan) {
                if (placed.contains(p.name())) continue;
                Set<String> refs = new HashSet<>();
                references(p.keys(), names, refs);
                refs.remove(p.name());
                if (placed.containsAll(refs)) {
                    out.add(p);
                    placed.add(p.name());
                    progress = true;
                }
            }
            if (!progress) throw new IllegalStateException("MAIN's plan has a cycle among " + plan.stream().map(PlannedStage::name).toList());
        }
        return out;
    }

    private static void references(Object value, Set<String> names, Set<String> out) {
        if (value instanceof String s && names.contains(s)) out.add(s);
        else if (value instanceof List<?> l) l.forEach(v -> references(v, names, out));
        else if (value instanceof Map<?, ?> m) m.values().forEach(v -> references(v, names, out));
        else if (value instanceof PlannedStage.Nested n) references(n.keys(), names, out);
    }

    /** A plan value with the names of planned stages replaced by {@code ref}'s. */
    private static Object renamed(Object value, java.util.function.UnaryOperator<String> ref) {
        if (value instanceof String s) return ref.apply(s);
        if (value instanceof List<?> l) return l.stream().map(v -> renamed(v, ref)).toList();
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, renamed(v, ref)));
            return out;
        }
        if (value instanceof PlannedStage.Nested n) {
            Map<String, Object> keys = new LinkedHashMap<>();
            n.keys().forEach((k, v) -> keys.put(k, renamed(v, ref)));
            return new PlannedStage.Nested(n.blocks(), keys);
        }
        return value;
    }

    /**
     * Writes planned stages into {@code stages:}. A stage whose type and keys (after the recipe's overrides) equal an
     * earlier one's is not added: its name becomes an alias of the earlier stage, so variants and seeds share the
     * models and data they have in common (e.g. every ablation's round-0 models).
     */
    private static final class Expansion {
        final RecipeNode.Mapping stages;
        final Location planned;
        /** Planned name -> the stage that does its work. */
        final Map<String, String> alias = new HashMap<>();
        final Map<String, String> bySignature = new HashMap<>();
        final List<String> added = new ArrayList<>();

        Expansion(RecipeNode.Mapping stages, Location planned) {
            this.stages = stages;
            this.planned = planned;
        }

        void add(PlannedStage p, Map<String, RecipeNode.Mapping> blocks) {
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
            String signature = canonical(new RecipeNode.Mapping(keys, planned));
            String same = bySignature.get(signature);
            if (same != null) {
                alias.put(p.name(), same);
                return;
            }
            bySignature.put(signature, p.name());
            alias.put(p.name(), p.name());
            added.add(p.name());
            stages.entries().put(p.name(), new RecipeNode.Entry(planned, new RecipeNode.Mapping(keys, planned)));
        }
    }

    /** A node's content without locations (paths resolved against the file that wrote them), for comparing stages. */
    private static String canonical(RecipeNode node) {
        if (node instanceof RecipeNode.Scalar s) {
            return s.isNull() ? "~" : "'" + s.text() + "'@" + (s.at().baseDir() == null ? "" : s.at().baseDir().toString());
        }
        if (node instanceof RecipeNode.Sequence q) {
            StringBuilder b = new StringBuilder("[");
            for (RecipeNode item : q.items()) b.append(canonical(item)).append(',');
            return b.append(']').toString();
        }
        StringBuilder b = new StringBuilder("{");
        ((RecipeNode.Mapping) node).entries().forEach((k, e) -> b.append(k).append(':').append(canonical(e.value())).append(','));
        return b.append('}').toString();
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
