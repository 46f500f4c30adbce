package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * Parses YAML text into a {@link RecipeNode} tree with line:column locations, using SnakeYAML's node graph
 * (SnakeYAML comes with jackson-dataformat-yaml; its {@code compose} keeps each node's start mark).
 * <p>
 * A recipe or an override is untrusted text, so it is bounded before it can cost memory: its length (SnakeYAML's
 * code-point limit skips comments, so the text is measured here as well), aliases to lists and mappings and nesting
 * depth (SnakeYAML's {@link LoaderOptions}), and the tree after aliases are expanded: {@code compose} shares an
 * aliased node, {@link #convert} copies it, so 45 aliases three to a level ("billion laughs") would expand to 3^15
 * nodes, and an alias inside its own anchor would never end. Real recipes are a few KB with two aliases.
 */
final class YamlTree {
    /** Longest recipe text, in chars (and SnakeYAML's code-point limit). */
    static final int MAX_CHARS = 1 << 20;
    /**
     * Longest line, in chars. SnakeYAML's reader copies its window for every 1024 chars of one token, so a 1M-char
     * scalar on one line allocated ~2 GB to parse (found by the recipe fuzzer); no recipe needs a line this long.
     */
    static final int MAX_LINE_CHARS = 1 << 16;
    /** Most aliases (*name) to a list or mapping in one text. */
    static final int MAX_ALIASES = 32;
    /** Deepest nesting of lists and mappings, in the text and after aliases are expanded. */
    static final int MAX_DEPTH = 40;
    /** Most nodes (keys not counted) after aliases are expanded. */
    static final int MAX_NODES = 100_000;

    private final String source;
    private final Path baseDir;
    private int nodes;
    /** The lists and mappings being converted, to catch an alias inside its own anchor. */
    private final Set<Node> open = Collections.newSetFromMap(new IdentityHashMap<>());

    private YamlTree(String source, Path baseDir) {
        this.source = source;
        this.baseDir = baseDir;
    }

    /**
     * @param text    YAML text
     * @param source  how errors name where the text came from (a file path, or an override)
     * @param baseDir what relative paths in this text resolve against
     * @return the root node; a null scalar for an empty document
     */
    static RecipeNode parse(String text, String source, Path baseDir) {
        YamlTree tree = new YamlTree(source, baseDir);
        if (text.length() > MAX_CHARS) {
            throw new UserInputException(source + ": too long for a recipe (expected at most " + MAX_CHARS + " characters, found "
                    + text.length() + ")");
        }
        int line = 1;
        for (int start = 0; start <= text.length(); line++) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            if (end - start > MAX_LINE_CHARS) {
                throw new UserInputException(source + ":" + line + ": line too long for a recipe (expected at most " + MAX_LINE_CHARS
                        + " characters, found " + (end - start) + ")");
            }
            start = end + 1;
        }
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CHARS);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setAllowRecursiveKeys(false);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? source : source + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
            throw new UserInputException(where + ": not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            // The limits above end here without a position: "Number of aliases for non-scalar nodes exceeds the
            // specified max=32", "Nesting Depth exceeded max 40".
            throw new UserInputException(source + ": not a usable recipe: " + e.getMessage() + " (recipes allow at most " + MAX_ALIASES
                    + " aliases to lists or mappings, nesting " + MAX_DEPTH + " deep, " + MAX_CHARS + " characters)");
        }
        if (root == null) return new RecipeNode.Scalar("", true, new Location(source, 1, 1, baseDir));
        return tree.convert(root, 1);
    }

    private Location at(Node node) {
        Mark m = node.getStartMark();
        return new Location(source, m.getLine() + 1, m.getColumn() + 1, baseDir);
    }

    private RecipeNode convert(Node node, int depth) {
        if (++nodes > MAX_NODES) {
            throw new UserInputException(at(node) + ": the recipe expands to more than " + MAX_NODES + " values once its aliases"
                    + " (*name) are copied (expected a recipe, found what looks like an alias bomb; repeat fewer aliases)");
        }
        if (depth > MAX_DEPTH) {
            throw new UserInputException(at(node) + ": nested more than " + MAX_DEPTH + " deep once aliases (*name) are copied"
                    + " (expected a recipe, found a deeper tree)");
        }
        if (node instanceof ScalarNode s) {
            boolean isNull = Tag.NULL.equals(s.getTag());
            return new RecipeNode.Scalar(isNull ? "" : s.getValue(), isNull, at(s));
        }
        if (!open.add(node)) {
            throw new UserInputException(at(node) + ": the alias *" + node.getAnchor() + " is used inside its own anchor &" + node.getAnchor()
                    + " (expected a value that ends, found one that contains itself)");
        }
        RecipeNode converted = convertCollection(node, depth);
        open.remove(node);
        return converted;
    }

    private RecipeNode convertCollection(Node node, int depth) {
        if (node instanceof SequenceNode seq) {
            List<RecipeNode> items = new ArrayList<>();
            for (Node item : seq.getValue()) items.add(convert(item, depth + 1));
            return new RecipeNode.Sequence(items, at(seq));
        }
        MappingNode map = (MappingNode) node;
        LinkedHashMap<String, RecipeNode.Entry> entries = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            Location keyAt = at(t.getKeyNode());
            if (!(t.getKeyNode() instanceof ScalarNode key)) {
                throw new UserInputException(keyAt + ": expected a plain key, found a " + (t.getKeyNode() instanceof MappingNode ? "mapping" : "list"));
            }
            RecipeNode.Entry previous = entries.put(key.getValue(), new RecipeNode.Entry(keyAt, convert(t.getValueNode(), depth + 1)));
            if (previous != null) {
                throw new UserInputException(keyAt + ": key '" + key.getValue() + "' appears twice (first at line "
                        + previous.keyAt().line() + "); keep one");
            }
        }
        return new RecipeNode.Mapping(entries, at(map));
    }
}
