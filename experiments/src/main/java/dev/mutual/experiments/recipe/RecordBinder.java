package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import dev.mutual.data.hub.HubClient;
import dev.mutual.data.hub.HubPath;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@link RecipeNode} tree into recipe records, strictly: an unknown key, a wrong type or a missing
 * required key is one {@link UserInputException} naming the location, the key path, what was expected and
 * (for keys) the closest valid key. YAML keys are the record components in snake_case
 * ({@code minChars} is {@code min_chars}); {@link Default} marks optional keys. Supported value types: String,
 * int, long, double, boolean, Path (relative to {@link Location#baseDir()}), enums (lower-case names), List,
 * Map with String keys, records, and {@link StageConfig} (chosen by its {@code type} key).
 * A record's compact constructor may throw IllegalArgumentException; its message is reported at the record's
 * location.
 */
final class RecordBinder {

    /** Stage types the MAIN pipeline will have; named in the error so users know they are coming, not misspelled. */
    static final List<String> PLANNED_STAGE_TYPES = List.of("compare");

    /** Top-level sections the full MAIN recipe will have; named in the error so users know they are coming. */
    static final List<String> PLANNED_SECTIONS = List.of("models", "data", "eval", "compare");

    private RecordBinder() {}

    static <T> T bindRecord(RecipeNode node, Class<T> type) {
        return bindRecord(node, type, null);
    }

    /** @param hub resolves {@code hf://} paths (downloading them); null where a recipe cannot name one */
    static <T> T bindRecord(RecipeNode node, Class<T> type, HubClient hub) {
        return type.cast(bind(node, type, "", false, hub));
    }

    /**
     * Binds the keys of {@code map} that belong to {@code type}, accepting {@code otherKeys} (bound elsewhere) too:
     * two records read from one mapping, as a training recipe's head and its train stage are.
     */
    static <T> T bindRecord(RecipeNode.Mapping map, Class<T> type, Set<String> otherKeys, HubClient hub) {
        return type.cast(bindFields(map, type, "", otherKeys, hub));
    }

    /** {@link #bindRecord(RecipeNode.Mapping, Class, Set, HubClient)} for a mapping found at {@code keyPath} (named in errors). */
    static <T> T bindRecord(RecipeNode.Mapping map, Class<T> type, String keyPath, Set<String> otherKeys, HubClient hub) {
        return type.cast(bindFields(map, type, keyPath, otherKeys, hub));
    }

    static String child(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /** {@code minChars} becomes {@code min_chars}. */
    static String snake(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) out.append('_').append(Character.toLowerCase(c));
            else out.append(c);
        }
        return out.toString();
    }

    /** The YAML type name of a {@link StageConfig} record class. */
    static String stageTypeName(Class<?> stageClass) {
        StageType t = stageClass.getAnnotation(StageType.class);
        if (t == null) throw new IllegalStateException(stageClass + " lacks @StageType");
        return t.value();
    }

    /** The implemented stage types by YAML name, in declaration order. */
    static Map<String, Class<?>> stageTypes() {
        Map<String, Class<?>> types = new LinkedHashMap<>();
        for (Class<?> c : StageConfig.class.getPermittedSubclasses()) types.put(stageTypeName(c), c);
        return types;
    }

    /** What a value of {@code type} looks like, for error messages and the README reference. */
    static String describe(Type type) {
        if (type instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            return p.getRawType() == List.class ? "list of " + describe(args[0]) : "mapping of names to " + describe(args[1]);
        }
        Class<?> c = (Class<?>) type;
        if (c == String.class) return "string";
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) return "integer";
        if (c == double.class || c == Double.class) return "number";
        if (c == boolean.class || c == Boolean.class) return "boolean";
        if (c == Path.class) return "path";
        if (c.isEnum()) return String.join(" | ", enumNames(c));
        if (c == StageConfig.class) return "stage";
        return "mapping";
    }

    private static Object bind(RecipeNode node, Type type, String keyPath, boolean nullable, HubClient hub) {
        if (node instanceof RecipeNode.Scalar s && s.isNull()) {
            if (nullable) return null;
            throw wrongType(node, type, keyPath);
        }
        if (type instanceof ParameterizedType p) {
            Type[] args = p.getActualTypeArguments();
            if (p.getRawType() == List.class) {
                if (!(node instanceof RecipeNode.Sequence seq)) throw wrongType(node, type, keyPath);
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < seq.items().size(); i++) {
                    items.add(bind(seq.items().get(i), args[0], keyPath + "[" + i + "]", false, hub));
                }
                return List.copyOf(items);
            }
            if (!(node instanceof RecipeNode.Mapping map)) throw wrongType(node, type, keyPath);
            if (args[1] == StageConfig.class) {
                map.entries().forEach((name, e) -> {
                    if (!Recipe.STAGE_NAME.matcher(name).matches()) {
                        throw new UserInputException(e.keyAt() + ": " + child(keyPath, name) + ": a stage name must be "
                                + "lower-case letters, digits, '_' or '-' (it names a directory)");
                    }
                });
            }
            Map<String, Object> values = new LinkedHashMap<>();
            map.entries().forEach((k, e) -> values.put(k, bind(e.value(), args[1], child(keyPath, k), false, hub)));
            return Collections.unmodifiableMap(values);
        }
        Class<?> c = (Class<?>) type;
        if (c.isRecord()) {
            if (!(node instanceof RecipeNode.Mapping map)) throw wrongType(node, type, keyPath);
            return bindFields(map, c, keyPath, Set.of(), hub);
        }
        if (c == StageConfig.class) {
            if (!(node instanceof RecipeNode.Mapping map)) throw wrongType(node, type, keyPath);
            return bindStage(map, keyPath, hub);
        }
        if (!(node instanceof RecipeNode.Scalar s)) throw wrongType(node, type, keyPath);
        return parseScalar(s, c, type, keyPath, hub);
    }

    private static Object parseScalar(RecipeNode.Scalar s, Class<?> c, Type type, String keyPath, HubClient hub) {
        String text = s.text().trim();
        try {
            if (c == String.class) return s.text();
            if (c == int.class || c == Integer.class) return Integer.parseInt(text.replace("_", ""));
            if (c == long.class || c == Long.class) return Long.parseLong(text.replace("_", ""));
            if (c == double.class || c == Double.class) return Double.parseDouble(text.replace("_", ""));
            if (c == boolean.class || c == Boolean.class) {
                if (text.equals("true") || text.equals("false")) return Boolean.parseBoolean(text);
                throw wrongType(s, type, keyPath);
            }
            if (c == Path.class) {
                if (HubPath.isHubPath(text)) return hubPath(s, text, keyPath, hub);
                Path p = Path.of(text);
                return p.isAbsolute() ? p.normalize() : s.at().baseDir().resolve(p).normalize();
            }
            if (c.isEnum()) {
                for (Object constant : c.getEnumConstants()) {
                    if (((Enum<?>) constant).name().equalsIgnoreCase(text)) return constant;
                }
                throw new UserInputException(s.at() + ": " + keyPath + ": expected one of " + String.join(", ", enumNames(c))
                        + ", found '" + text + "'" + DidYouMean.hint(text, enumNames(c)));
            }
        } catch (NumberFormatException | InvalidPathException e) {
            throw wrongType(s, type, keyPath);
        }
        throw new IllegalStateException("recipe records may not use " + c + " (" + keyPath + ")");
    }

    private static Object bindStage(RecipeNode.Mapping map, String keyPath, HubClient hub) {
        Map<String, Class<?>> types = stageTypes();
        RecipeNode.Entry typeEntry = map.entries().get("type");
        if (typeEntry == null) {
            throw new UserInputException(map.at() + ": " + keyPath + ": missing required key 'type' (expected one of "
                    + String.join(", ", types.keySet()) + ")");
        }
        if (!(typeEntry.value() instanceof RecipeNode.Scalar s) || s.isNull()) {
            throw wrongType(typeEntry.value(), String.class, child(keyPath, "type"));
        }
        Class<?> stageClass = types.get(s.text());
        if (stageClass == null) {
            String implemented = "implemented: " + String.join(", ", types.keySet());
            String why = PLANNED_STAGE_TYPES.contains(s.text())
                    ? "stage type '" + s.text() + "' is not implemented in this version of Mutual (" + implemented + ")"
                    : "unknown stage type '" + s.text() + "'" + DidYouMean.hint(s.text(), types.keySet()) + " (" + implemented + ")";
            throw new UserInputException(s.at() + ": " + child(keyPath, "type") + ": " + why);
        }
        return bindFields(map, stageClass, keyPath, Set.of("type"), hub);
    }

    private static Object bindFields(RecipeNode.Mapping map, Class<?> recordClass, String keyPath, Set<String> extraKeys, HubClient hub) {
        RecordComponent[] components = recordClass.getRecordComponents();
        List<String> keys = new ArrayList<>(extraKeys);
        for (RecordComponent rc : components) if (!keys.contains(snake(rc.getName()))) keys.add(snake(rc.getName()));
        for (Map.Entry<String, RecipeNode.Entry> e : map.entries().entrySet()) {
            if (!keys.contains(e.getKey())) {
                if (recordClass == Recipe.class && PLANNED_SECTIONS.contains(e.getKey())) {
                    throw new UserInputException(e.getValue().keyAt() + ": '" + e.getKey() + "' is not implemented in "
                            + "this version of Mutual; the recipe has name, seed, paths and stages (data preparation "
                            + "is the prepare_data stage)");
                }
                throw new UserInputException(e.getValue().keyAt() + ": unknown key '" + child(keyPath, e.getKey()) + "'"
                        + DidYouMean.hint(e.getKey(), keys) + " (valid keys" + (keyPath.isEmpty() ? "" : " in " + keyPath)
                        + ": " + String.join(", ", keys) + ")");
            }
        }
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent rc = components[i];
            String key = snake(rc.getName());
            types[i] = rc.getType();
            Default d = rc.getAnnotation(Default.class);
            boolean nullable = d != null && d.value().equals("null");
            RecipeNode.Entry entry = map.entries().get(key);
            RecipeNode value;
            if (entry != null) {
                value = entry.value();
            } else if (d != null) {
                value = YamlTree.parse(d.value(), "default of " + child(keyPath, key), map.at().baseDir());
            } else {
                throw new UserInputException(map.at() + ": " + (keyPath.isEmpty() ? "recipe" : keyPath)
                        + ": missing required key '" + child(keyPath, key) + "' (expected " + describe(rc.getGenericType()) + ")");
            }
            args[i] = bind(value, rc.getGenericType(), child(keyPath, key), nullable, hub);
        }
        try {
            Constructor<?> ctor = recordClass.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw new UserInputException(where(map, bad.getMessage()) + ": " + (keyPath.isEmpty() ? "recipe" : keyPath)
                        + ": " + bad.getMessage());
            }
            throw new IllegalStateException("building " + recordClass.getSimpleName() + " at " + keyPath, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("recipe record " + recordClass + " has no canonical constructor", e);
        }
    }

    /**
     * A path given as {@code hf://...}: the local copy in the Hugging Face cache, fetched now, so a recipe fails at
     * load time (not hours in) when the name is wrong or the Hub out of reach. The resolved recipe names it back as
     * {@code hf://...@<commit>} ({@link RecipeWriter}).
     */
    private static Path hubPath(RecipeNode.Scalar s, String text, String keyPath, HubClient hub) {
        if (hub == null) throw new UserInputException(s.at() + ": " + keyPath + ": an hf:// path cannot be used here; give a local path");
        try {
            return hub.resolve(text);
        } catch (UserInputException e) {
            throw new UserInputException(s.at() + ": " + keyPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where to point a record's complaint: the mapping, or, for a mapping MAIN planned (no line of its own), the
     * recipe line of the key the message starts with ("tokenizer: ..."), which keeps its place in {@code main:}.
     */
    private static Location where(RecipeNode.Mapping map, String message) {
        if (map.at().line() > 0) return map.at();
        int colon = message.indexOf(':');
        RecipeNode.Entry entry = colon > 0 ? map.entries().get(message.substring(0, colon)) : null;
        return entry != null && entry.keyAt().line() > 0 ? entry.keyAt() : map.at();
    }

    private static UserInputException wrongType(RecipeNode node, Type type, String keyPath) {
        String expected = describe(type);
        String article = expected.startsWith("integer") ? "an " : expected.contains(" | ") ? "one of " : "a ";
        if (expected.equals("boolean")) {
            expected = "true or false";
            article = "";
        }
        return new UserInputException(node.at() + ": " + keyPath + ": expected " + article + expected + ", found " + RecipeNode.describe(node));
    }

    private static List<String> enumNames(Class<?> enumClass) {
        List<String> names = new ArrayList<>();
        for (Object constant : enumClass.getEnumConstants()) names.add(((Enum<?>) constant).name().toLowerCase(Locale.ROOT));
        return names;
    }
}
