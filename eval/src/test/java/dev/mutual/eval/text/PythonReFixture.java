package dev.mutual.eval.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** python_re_edge_cases.jsonl: what Python's re printed (tools/make_python_re_fixture.py), by kind. */
public final class PythonReFixture {
    private static final Path FILE = Path.of("src/test/resources/python_re_edge_cases.jsonl");

    private PythonReFixture() {}

    /** The fixture's lines of one kind ("extraction", "class", "pattern", "ifeval", ...); never empty. */
    public static List<JsonNode> cases(String kind) {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(FILE)) {
                JsonNode j = json.readTree(line);
                if (j.get("kind").asText().equals(kind)) out.add(j);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.isEmpty()) throw new IllegalStateException(FILE + " has no '" + kind + "' lines");
        return out;
    }
}
