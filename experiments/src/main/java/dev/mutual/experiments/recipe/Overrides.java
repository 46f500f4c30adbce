package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Command-line overrides {@code key.path=value}, e.g. {@code seed=7} or
 * {@code stages.prepare_seed.sources[0].limit=100}. The value is read as YAML ({@code [a, b]} is a list), and
 * carries the override as its location, so a misspelled key or a wrong type is reported against the override.
 * Type checking happens when the tree is bound to records, exactly as for values in the file.
 */
final class Overrides {

    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9_-]+)((?:\\[\\d+])*)");
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    private Overrides() {}

    /** Applies one override to {@code root} in place. {@code cwd} resolves relative paths in the value. */
    static void apply(RecipeNode.Mapping root, String override, Path cwd) {
        String what = "override '" + override + "'";
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new UserInputException(what + ": expected key.path=value, e.g. seed=7 or stages.prepare_seed.min_chars=20");
        }
        String keyPath = override.substring(0, eq).trim();
        Location at = new Location(what, 0, 0, cwd);
        RecipeNode value = relocate(YamlTree.parse(override.substring(eq + 1), what, cwd), at);

        // Walk down, creating mappings for keys the file leaves at their defaults.
        String[] segments = keyPath.split("\\.", -1);
        if (segments.length > YamlTree.MAX_DEPTH) {
            // Each missing key becomes a mapping: a path thousands of keys long built a tree too deep to bind.
            throw new UserInputException(what + ": the key path has " + segments.length + " keys; a recipe nests at most "
                    + YamlTree.MAX_DEPTH + " deep");
        }
        RecipeNode node = root;
        String walked = "";
        for (int s = 0; s < segments.length; s++) {
            Matcher m = SEGMENT.matcher(segments[s]);
            if (!m.matches()) {
                throw new UserInputException(what + ": '" + segments[s] + "' is not a key; keys are letters, digits and _, with [i] for list items");
            }
            List<Integer> indices = new ArrayList<>();
            Matcher idx = INDEX.matcher(m.group(2));
            while (idx.find()) {
                String digits = idx.group(1);
                if (digits.length() > 9) { // beyond an int (Integer.parseInt said "For input string", exit 1)
                    throw new UserInputException(what + ": [" + digits + "] is not an item of any list (expected an index below 1000000000)");
                }
                indices.add(Integer.parseInt(digits));
            }
            boolean last = s == segments.length - 1;

            if (!(node instanceof RecipeNode.Mapping map)) {
                throw new UserInputException(what + ": " + walked + " is " + RecipeNode.describe(node) + ", not a mapping with key '" + m.group(1) + "'");
            }
            String key = m.group(1);
            walked = RecordBinder.child(walked, key);
            RecipeNode.Entry entry = map.entries().get(key);
            if (last && indices.isEmpty()) {
                map.entries().put(key, new RecipeNode.Entry(at, value));
                return;
            }
            if (entry == null) {
                if (!indices.isEmpty()) {
                    throw new UserInputException(what + ": " + walked + " is not set in the recipe, so it has no item " + indices.get(0));
                }
                entry = new RecipeNode.Entry(at, new RecipeNode.Mapping(new LinkedHashMap<>(), at));
                map.entries().put(key, entry);
            }
            node = entry.value();
            for (int k = 0; k < indices.size(); k++) {
                int i = indices.get(k);
                if (!(node instanceof RecipeNode.Sequence seq) || i >= seq.items().size()) {
                    int size = node instanceof RecipeNode.Sequence seq ? seq.items().size() : -1;
                    throw new UserInputException(what + ": " + walked + " "
                            + (size < 0 ? "is " + RecipeNode.describe(node) + ", not a list" : "has " + size + " items, no item " + i));
                }
                walked = walked + "[" + i + "]";
                if (last && k == indices.size() - 1) {
                    seq.items().set(i, value);
                    return;
                }
                node = seq.items().get(i);
            }
        }
    }

    /** Gives every node of an override's value the override as its location (no line numbers). */
    private static RecipeNode relocate(RecipeNode node, Location at) {
        if (node instanceof RecipeNode.Scalar s) return new RecipeNode.Scalar(s.text(), s.isNull(), at);
        if (node instanceof RecipeNode.Sequence seq) {
            List<RecipeNode> items = new ArrayList<>();
            for (RecipeNode item : seq.items()) items.add(relocate(item, at));
            return new RecipeNode.Sequence(items, at);
        }
        LinkedHashMap<String, RecipeNode.Entry> entries = new LinkedHashMap<>();
        ((RecipeNode.Mapping) node).entries().forEach((k, e) -> entries.put(k, new RecipeNode.Entry(at, relocate(e.value(), at))));
        return new RecipeNode.Mapping(entries, at);
    }
}
