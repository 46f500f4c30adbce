package dev.mutual.experiments.recipe;

import dev.mutual.experiments.main.MainSettings;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps the README's recipe reference in step with the recipe records: same keys, types and defaults, in order. */
class RecipeReferenceTest {

    record Row(String key, String type, String defaultValue) {}

    @Test
    void readmeDocumentsExactlyTheRecipeKeys() throws IOException {
        Map<String, List<Row>> documented = readmeTables(Files.readString(Path.of("../README.md")));

        Map<String, List<Row>> expected = new LinkedHashMap<>();
        List<Row> top = rows(Recipe.class, "");
        top.add(new Row("main", "mapping", "none"));  // expanded into stages before binding (MainBlock)
        expected.put("Top level", top);
        expected.put("Block `main`", rows(MainSettings.class, ""));
        for (Map.Entry<String, Class<?>> t : RecordBinder.stageTypes().entrySet()) {
            List<Row> rows = new ArrayList<>();
            rows.add(new Row("type", "string", "required"));
            rows.addAll(rows(t.getValue(), ""));
            expected.put("Stage `" + t.getKey() + "`", rows);
        }
        assertEquals(expected.keySet(), documented.keySet(), "README recipe reference sections");
        for (String section : expected.keySet()) {
            assertEquals(expected.get(section), documented.get(section), "README recipe reference, section " + section);
        }
    }

    /** What the records say: key path, type as error messages describe it, default or "required". */
    private static List<Row> rows(Class<?> recordClass, String prefix) {
        List<Row> rows = new ArrayList<>();
        for (RecordComponent rc : recordClass.getRecordComponents()) {
            String key = RecordBinder.child(prefix, RecordBinder.snake(rc.getName()));
            Default d = rc.getAnnotation(Default.class);
            rows.add(new Row(key, RecordBinder.describe(rc.getGenericType()), d == null ? "required" : "`" + d.value() + "`"));
            Type t = rc.getGenericType();
            if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
                t = p.getActualTypeArguments()[0];
                key = key + "[]";
            }
            if (t instanceof Class<?> c && c.isRecord()) rows.addAll(rows(c, key));
        }
        return rows;
    }

    /** The tables between the reference markers, by "### " heading; rows "| `key` | type | default | meaning |". */
    private static Map<String, List<Row>> readmeTables(String readme) {
        int start = readme.indexOf("<!-- recipe-reference:start -->");
        int end = readme.indexOf("<!-- recipe-reference:end -->");
        assertTrue(start >= 0 && end > start, "README.md lacks the recipe-reference markers");
        Map<String, List<Row>> tables = new LinkedHashMap<>();
        List<Row> current = null;
        for (String line : readme.substring(start, end).split("\n")) {
            if (line.startsWith("### ")) {
                current = new ArrayList<>();
                tables.put(line.substring(4).trim(), current);
            } else if (line.startsWith("| `") && current != null) {
                String[] cells = line.replace("\\|", "\u0000").split("\\|");
                String key = cells[1].trim();
                current.add(new Row(key.substring(1, key.length() - 1), cells[2].trim().replace('\u0000', '|'), cells[3].trim()));
            }
        }
        return tables;
    }
}
