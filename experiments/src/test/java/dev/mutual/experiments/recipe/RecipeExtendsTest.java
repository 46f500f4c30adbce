package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code extends}: a recipe starts from another; mappings merge, other values replace, paths stay their file's. */
class RecipeExtendsTest {

    @TempDir
    Path tmp;

    private Path write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, text);
    }

    @Test
    void mappingsMergeListsReplaceAndPathsResolveAgainstTheirOwnFile() throws IOException {
        Files.copy(Path.of("../samples/seed_dolly_open_qa.jsonl"), Files.createDirectories(tmp.resolve("base")).resolve("seed.jsonl"));
        write("base/base.yaml", """
                name: base
                seed: 3
                stages:
                  seed:
                    type: prepare_data
                    sources:
                      - path: seed.jsonl
                    min_chars: 10
                    max_chars: 500
                """);
        Path child = write("child/child.yaml", """
                extends: ../base/base.yaml
                name: child
                stages:
                  seed:
                    max_chars: 900
                """);
        Recipe r = RecipeLoader.load(child, List.of(), Map.of(), Path.of("."));
        assertEquals("child", r.name());
        assertEquals(3, r.seed());
        PrepareDataConfig p = (PrepareDataConfig) r.stages().get("seed");
        assertEquals(900, p.maxChars());
        assertEquals(10, p.minChars());
        assertEquals(tmp.resolve("base/seed.jsonl").toAbsolutePath().normalize(), p.sources().get(0).path());
    }

    @Test
    void aCycleAMissingParentAndAWrongValueAreRefused() throws IOException {
        write("a.yaml", "extends: b.yaml\nname: a\n");
        Path b = write("b.yaml", "extends: a.yaml\nname: b\n");
        String cycle = assertThrows(UserInputException.class, () -> RecipeLoader.load(b, List.of(), Map.of(), Path.of("."))).getMessage();
        assertTrue(cycle.contains("a.yaml:1:1: extends: b.yaml leads back to") && cycle.contains("b.yaml (a cycle)"), cycle);
        Path missing = write("m.yaml", "name: m\nextends: nowhere.yaml\n");
        String none = assertThrows(UserInputException.class, () -> RecipeLoader.load(missing, List.of(), Map.of(), Path.of("."))).getMessage();
        assertTrue(none.contains("m.yaml:2:1: extends: no such recipe"), none);
        Path list = write("l.yaml", "name: l\nextends: [a.yaml]\n");
        String wrong = assertThrows(UserInputException.class, () -> RecipeLoader.load(list, List.of(), Map.of(), Path.of("."))).getMessage();
        assertTrue(wrong.contains("extends: expected the path of the recipe this one starts from, found a list"), wrong);
    }
}
