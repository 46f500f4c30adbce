package dev.mutual.experiments.recipe;

import dev.mutual.data.hub.HubPath;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes recipe records back as YAML with every default filled in and every path absolute: the resolved
 * recipe that goes to the run directory and the log. {@link RecipeLoader} reads it back to equal records.
 * The text is deterministic, so it also serves as the content that run directories and stage caches hash. A path in
 * the Hugging Face cache is written as the Hub path pinned to its commit ({@code hf://ORG/NAME@<commit>}): a rerun of
 * the resolved recipe reads the same files, and the commit is part of every stage's cache key.
 */
public final class RecipeWriter {

    private RecipeWriter() {}

    /** The whole recipe. */
    public static String toYaml(Recipe recipe) {
        return dump(plain(recipe));
    }

    /** One stage's configuration, {@code type} first: what the stage's cache key hashes. */
    public static String toYaml(StageConfig stage) {
        return dump(plain(stage));
    }

    private static String dump(Object tree) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(120);
        options.setLineBreak(DumperOptions.LineBreak.UNIX);
        return new Yaml(options).dump(tree);
    }

    /** Records, lists and maps as LinkedHashMap / ArrayList / scalars, keys in snake_case, for SnakeYAML. */
    private static Object plain(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) return value;
        if (value instanceof Path p) return HubPath.fromCachePath(p).map(HubPath::toString).orElse(p.toString());
        if (value instanceof Enum<?> e) return e.name().toLowerCase(Locale.ROOT);
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object item : list) out.add(plain(item));
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> out.put((String) k, plain(v)));
            return out;
        }
        if (value instanceof StageConfig stage) out.put("type", stage.type());
        for (RecordComponent rc : value.getClass().getRecordComponents()) {
            try {
                out.put(RecordBinder.snake(rc.getName()), plain(rc.getAccessor().invoke(value)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("reading " + rc, e);
            }
        }
        return out;
    }
}
