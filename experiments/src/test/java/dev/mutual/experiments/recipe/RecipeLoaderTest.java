package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.mutual.data.read.Format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeLoaderTest {

    // Line numbers in the expected messages below refer to this text (line 1 is "name: tiny").
    private static final String RECIPE = """
            name: tiny
            seed: 3
            stages:
              prepare_seed:
                type: prepare_data
                sources:
                  - path: data/seed.jsonl
                    format: dolly
                min_chars: 5
            """;

    @TempDir
    Path dir;
    Path recipe;

    @BeforeEach
    void writeData() throws IOException {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/seed.jsonl"), "{\"instruction\": \"Hi?\", \"context\": \"\", \"response\": \"Hello.\"}\n");
        recipe = dir.resolve("tiny.yaml");
    }

    private Recipe load(String text, String... overrides) throws IOException {
        return load(text, Map.of(), overrides);
    }

    private Recipe load(String text, Map<String, String> env, String... overrides) throws IOException {
        Files.writeString(recipe, text);
        return RecipeLoader.load(recipe, List.of(overrides), env, dir.resolve("data"));
    }

    private String error(String text, String... overrides) {
        return assertThrows(UserInputException.class, () -> load(text, overrides)).getMessage();
    }

    @Test
    void bindsValuesAndFillsDefaults() throws IOException {
        Recipe r = load(RECIPE);
        assertEquals("tiny", r.name());
        assertEquals(3, r.seed());
        assertEquals("runs", r.paths().runs());
        PrepareDataConfig p = (PrepareDataConfig) r.stages().get("prepare_seed");
        assertEquals(dir.resolve("data/seed.jsonl"), p.sources().get(0).path(), "relative to the recipe's directory");
        assertEquals(Format.DOLLY, p.sources().get(0).format());
        assertFalse(p.sources().get(0).skipInvalid());
        assertNull(p.sources().get(0).limit());
        assertEquals(5, p.minChars());
        assertNull(p.maxChars());
        assertTrue(p.normalize());
        assertEquals(new NearDedupConfig(true, 5, 128, 0.8, null), p.nearDedup());
        assertEquals(new DecontaminationConfig(true, 13, 6, List.of()), p.decontamination());
    }

    @Test
    void unknownKeyNamesFileLineColumnKeyPathAndClosestKey() {
        String msg = error(RECIPE.replace("format: dolly", "formt: dolly"));
        assertEquals(recipe + ":8:9: unknown key 'stages.prepare_seed.sources[0].formt'; did you mean 'format'? "
                + "(valid keys in stages.prepare_seed.sources[0]: path, format, skip_invalid, limit, unlabelled)", msg);
    }

    @Test
    void unknownTopLevelKeyWithoutCloseMatchListsValidKeys() {
        String msg = error(RECIPE + "colour: blue\n");
        assertEquals(recipe + ":10:1: unknown key 'colour' (valid keys: name, seed, paths, runner, spark, stages)", msg);
    }

    @Test
    void wrongTypeNamesExpectedAndFound() {
        assertEquals(recipe + ":2:7: seed: expected an integer, found 'three'", error(RECIPE.replace("seed: 3", "seed: three")));
        assertEquals(recipe + ":9:16: stages.prepare_seed.min_chars: expected an integer, found 'many'",
                error(RECIPE.replace("min_chars: 5", "min_chars: many")));
        assertEquals(recipe + ":7:9: stages.prepare_seed.sources: expected a list of mapping, found a mapping",
                error(RECIPE.replace("sources:\n      - path", "sources:\n        path")));
        assertEquals(recipe + ":9:16: stages.prepare_seed.normalize: expected true or false, found 'yes'",
                error(RECIPE.replace("min_chars: 5", "normalize: yes")));
        assertEquals(recipe + ":8:17: stages.prepare_seed.sources[0].format: expected one of "
                + Format.names() + ", found 'dolyl'; did you mean 'dolly'?",
                error(RECIPE.replace("format: dolly", "format: dolyl")));
    }

    @Test
    void missingRequiredKeyNamesTheEnclosingMapping() {
        assertEquals(recipe + ":1:1: recipe: missing required key 'name' (expected string)",
                error(RECIPE.replace("name: tiny\n", "")));
        String msg = error(RECIPE.replace("    sources:\n      - path: data/seed.jsonl\n        format: dolly\n", ""));
        assertEquals(recipe + ":5:5: stages.prepare_seed: missing required key 'stages.prepare_seed.sources' "
                + "(expected list of mapping)", msg);
    }

    @Test
    void stageTypesThatDoNotExistFailWithTheImplementedOnes() {
        String implemented = String.join(", ", RecordBinder.stageTypes().keySet());
        assertEquals(recipe + ":5:11: stages.prepare_seed.type: stage type 'compare' is not implemented in this version "
                + "of Mutual (implemented: " + implemented + ")", error(RECIPE.replace("type: prepare_data", "type: compare")));
        assertEquals(recipe + ":5:11: stages.prepare_seed.type: unknown stage type 'prepare_dat'; did you mean "
                + "'prepare_data'? (implemented: " + implemented + ")", error(RECIPE.replace("type: prepare_data", "type: prepare_dat")));
    }

    @Test
    void plannedSectionsAndBadStageNamesAreNamedAtTheirLine() {
        assertEquals(recipe + ":10:1: 'models' is not implemented in this version of Mutual; the recipe has name, seed, "
                + "paths and stages (data preparation is the prepare_data stage)", error(RECIPE + "models: {}\n"));
        assertEquals(recipe + ":4:3: stages.Prepare.Seed: a stage name must be lower-case letters, digits, '_' or '-' "
                + "(it names a directory)", error(RECIPE.replace("prepare_seed:", "Prepare.Seed:")));
    }

    @Test
    void recordChecksAreReportedAtTheRecord() {
        assertEquals(recipe + ":5:5: stages.prepare_seed: min_chars (5) is above max_chars (3)",
                error(RECIPE + "    max_chars: 3\n"));
        assertEquals(recipe + ":7:9: stages.prepare_seed.sources[0]: path: no such file " + dir.resolve("data/none.jsonl"),
                error(RECIPE.replace("data/seed.jsonl", "data/none.jsonl")));
    }

    @Test
    void overridesSetValuesWithTypeChecks() throws IOException {
        Recipe r = load(RECIPE, "seed=7", "stages.prepare_seed.sources[0].limit=10",
                "stages.prepare_seed.near_dedup.threshold=0.5", "stages.prepare_seed.sources[0].path=seed.jsonl");
        assertEquals(7, r.seed());
        PrepareDataConfig p = (PrepareDataConfig) r.stages().get("prepare_seed");
        assertEquals(10, p.sources().get(0).limit());
        assertEquals(0.5, p.nearDedup().threshold());
        assertEquals(dir.resolve("data/seed.jsonl"), p.sources().get(0).path(), "override paths resolve against the current directory");
    }

    @Test
    void badOverridesNameTheOverride() {
        assertEquals("override 'stages.prepare_seed.min_chrs=3': unknown key 'stages.prepare_seed.min_chrs'; "
                        + "did you mean 'min_chars'? (valid keys in stages.prepare_seed: type, sources, normalize, min_chars, "
                        + "max_chars, tokenizer, min_tokens, max_tokens, exact_dedup, near_dedup, decontamination, runner)",
                error(RECIPE, "stages.prepare_seed.min_chrs=3"));
        assertEquals("override 'seed=x': seed: expected an integer, found 'x'", error(RECIPE, "seed=x"));
        assertEquals("override 'stages.prepare_seed.sources[2].limit=1': stages.prepare_seed.sources has 1 items, no item 2",
                error(RECIPE, "stages.prepare_seed.sources[2].limit=1"));
        assertEquals("override 'seed': expected key.path=value, e.g. seed=7 or stages.prepare_seed.min_chars=20",
                error(RECIPE, "seed"));
    }

    @Test
    void interpolatesEnvironmentWithDefaults() throws IOException {
        String text = RECIPE.replace("seed: 3", "seed: ${SEED:-11}").replace("data/seed.jsonl", "${DATA}/seed.jsonl");
        Recipe r = load(text, Map.of("DATA", "data"));
        assertEquals(11, r.seed());
        r = load(text, Map.of("DATA", "data", "SEED", "12"));
        assertEquals(12, r.seed());
        r = load(text + "paths:\n  runs: out/$${DATA}-${DATA}\n", Map.of("DATA", "data"));
        assertEquals("out/${DATA}-data", r.paths().runs(), "$${ writes a literal ${");
        String msg = assertThrows(UserInputException.class, () -> load(text, Map.of())).getMessage();
        assertEquals(recipe + ":7:15: stages.prepare_seed.sources[0].path: environment variable DATA is not set; "
                + "set it or write ${DATA:-default}", msg);
    }

    @Test
    void rejectsDuplicateKeysAndBrokenYaml() {
        assertEquals(recipe + ":3:1: key 'seed' appears twice (first at line 2); keep one",
                error(RECIPE.replace("stages:", "seed: 4\nstages:")));
        assertTrue(error("name: [tiny\n").startsWith(recipe + ":2:1: not valid YAML: "), error("name: [tiny\n"));
        assertEquals(recipe + ":1:1: expected a mapping with keys name, seed, paths, stages; found a list", error("- a\n"));
    }

    @Test
    void resolvedRecipeLoadsBackToEqualRecords() throws IOException {
        Recipe r = load(RECIPE, "stages.prepare_seed.near_dedup.enabled=true");
        String yaml = RecipeWriter.toYaml(r);
        assertTrue(yaml.contains("path: " + dir.resolve("data/seed.jsonl")), yaml);
        assertTrue(yaml.contains("    type: prepare_data\n"), yaml);
        Path resolved = Files.writeString(dir.resolve("elsewhere.yaml"), yaml);
        assertEquals(r, RecipeLoader.load(resolved, List.of(), Map.of(), dir));
    }
}
