package dev.mutual.experiments.recipe;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * A recipe as YAML gives it, before it becomes records: mappings, sequences and scalars, each remembering its
 * {@link Location}. Interpolation and command-line overrides work on this tree; {@link RecordBinder} turns it
 * into records. (Jackson's JsonNode would lose the locations.)
 */
sealed interface RecipeNode {

    Location at();

    /** A plain value; {@code isNull} for {@code ~}, {@code null} or an empty value. */
    record Scalar(String text, boolean isNull, Location at) implements RecipeNode {}

    /** Keys in file order; mutable so that overrides can set values in place. */
    record Mapping(LinkedHashMap<String, Entry> entries, Location at) implements RecipeNode {}

    record Sequence(List<RecipeNode> items, Location at) implements RecipeNode {}

    /** One key of a mapping: where the key itself was written, and its value. */
    record Entry(Location keyAt, RecipeNode value) {}

    /** How errors describe what was found, e.g. "a mapping" or "'abc'". */
    static String describe(RecipeNode node) {
        if (node instanceof Mapping) return "a mapping";
        if (node instanceof Sequence) return "a list";
        Scalar s = (Scalar) node;
        return s.isNull() ? "null" : "'" + s.text() + "'";
    }
}
