package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${VAR}} and {@code ${VAR:-default}} in scalar values (never in keys) with environment
 * variables, as a shell would: the default applies when VAR is unset or empty. {@code $${} writes a literal
 * {@code ${}. An unset VAR without a default is an error naming the key and line.
 */
final class Interpolation {

    private static final Pattern VAR = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private Interpolation() {}

    /** Returns the tree with every scalar interpolated; mappings are updated in place. */
    static RecipeNode apply(RecipeNode node, String keyPath, Map<String, String> env) {
        if (node instanceof RecipeNode.Scalar s) {
            if (s.isNull() || !s.text().contains("${")) return s;
            return new RecipeNode.Scalar(interpolate(s, keyPath, env), false, s.at());
        }
        if (node instanceof RecipeNode.Sequence seq) {
            List<RecipeNode> items = seq.items();
            for (int i = 0; i < items.size(); i++) items.set(i, apply(items.get(i), keyPath + "[" + i + "]", env));
            return seq;
        }
        RecipeNode.Mapping map = (RecipeNode.Mapping) node;
        map.entries().replaceAll((key, e) ->
                new RecipeNode.Entry(e.keyAt(), apply(e.value(), RecordBinder.child(keyPath, key), env)));
        return map;
    }

    private static String interpolate(RecipeNode.Scalar s, String keyPath, Map<String, String> env) {
        Matcher m = VAR.matcher(s.text());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$${")) {
                replacement = "${";
            } else {
                String value = env.get(m.group(1));
                if (value == null || value.isEmpty()) value = m.group(2);
                if (value == null) {
                    throw new UserInputException(s.at() + ": " + keyPath + ": environment variable " + m.group(1)
                            + " is not set; set it or write ${" + m.group(1) + ":-default}");
                }
                replacement = value;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
