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
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Parses YAML text into a {@link RecipeNode} tree with line:column locations, using SnakeYAML's node graph
 * (SnakeYAML comes with jackson-dataformat-yaml; its {@code compose} keeps each node's start mark).
 */
final class YamlTree {

    private final String source;
    private final Path baseDir;

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
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? source : source + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
            throw new UserInputException(where + ": not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new UserInputException(source + ": not valid YAML: " + e.getMessage());
        }
        if (root == null) return new RecipeNode.Scalar("", true, new Location(source, 1, 1, baseDir));
        return tree.convert(root);
    }

    private Location at(Node node) {
        Mark m = node.getStartMark();
        return new Location(source, m.getLine() + 1, m.getColumn() + 1, baseDir);
    }

    private RecipeNode convert(Node node) {
        if (node instanceof ScalarNode s) {
            boolean isNull = Tag.NULL.equals(s.getTag());
            return new RecipeNode.Scalar(isNull ? "" : s.getValue(), isNull, at(s));
        }
        if (node instanceof SequenceNode seq) {
            List<RecipeNode> items = new ArrayList<>();
            for (Node item : seq.getValue()) items.add(convert(item));
            return new RecipeNode.Sequence(items, at(seq));
        }
        MappingNode map = (MappingNode) node;
        LinkedHashMap<String, RecipeNode.Entry> entries = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            Location keyAt = at(t.getKeyNode());
            if (!(t.getKeyNode() instanceof ScalarNode key)) {
                throw new UserInputException(keyAt + ": expected a plain key, found a " + (t.getKeyNode() instanceof MappingNode ? "mapping" : "list"));
            }
            RecipeNode.Entry previous = entries.put(key.getValue(), new RecipeNode.Entry(keyAt, convert(t.getValueNode())));
            if (previous != null) {
                throw new UserInputException(keyAt + ": key '" + key.getValue() + "' appears twice (first at line "
                        + previous.keyAt().line() + "); keep one");
            }
        }
        return new RecipeNode.Mapping(entries, at(map));
    }
}
