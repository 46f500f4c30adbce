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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** main.training_seeds and main.variants: the plan once per seed and variant, shared stages planned once, one table. */
class MainVariantsTest {

    private static final Path QUICKSTART = Path.of("../recipes/quickstart.yaml").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private Recipe load(String yaml) throws IOException {
        Path file = Files.writeString(tmp.resolve("table.yaml"), "extends: " + QUICKSTART + "\nname: table\n" + yaml);
        return RecipeLoader.load(file, List.of(), Map.of(), Path.of("."));
    }

    private String error(String yaml) {
        return assertThrows(UserInputException.class, () -> load(yaml)).getMessage();
    }

    @Test
    void trainingSeedsPlanEverythingOncePerSeedAndOneTableOverThem() throws IOException {
        Recipe r = load("""
                main:
                  baselines: [seed_only, random_k]
                  training_seeds: [1, 2]
                """);
        for (long seed : List.of(1L, 2L)) {
            assertEquals(seed, ((TrainConfig) r.stages().get("forward_r0_s" + seed)).seed());
            assertEquals(seed, ((TrainConfig) r.stages().get("forward_random_k_s" + seed)).seed());
            assertEquals(seed, ((SynthesizeConfig) r.stages().get("synthesize_r1_s" + seed)).seed());
            assertEquals(seed, ((SelectConfig) r.stages().get("select_random_k_s" + seed)).seed());
            assertNull(((SelectConfig) r.stages().get("select_r1_s" + seed)).seed());  // the mutual filter draws nothing
            assertEquals("reverse_r0_s" + seed, ((SynthesizeConfig) r.stages().get("synthesize_r1_s" + seed)).modelStage());
        }
        assertFalse(r.stages().containsKey("report"));
        assertFalse(r.stages().containsKey("forward_r0"));
        TableConfig t = (TableConfig) r.stages().get("table");
        assertEquals(Map.of("all", Map.of("main", List.of("eval_main_s1", "eval_main_s2"),
                "seed_only", List.of("eval_seed_only_s1", "eval_seed_only_s2"),
                "random_k", List.of("eval_random_k_s1", "eval_random_k_s2"))), t.rows());
        assertEquals("seed_only", t.baseline());
        assertEquals(Map.of("diagnose_r1", List.of("diagnose_r1_s1", "diagnose_r1_s2")), t.diagnostics());
        assertEquals(Map.of("select_r1", List.of("select_r1_s1", "select_r1_s2")), t.selections());
        assertTrue(t.costs().containsAll(List.of("prepare_seed", "forward_r0_s1", "eval_main_s2")), t.costs().toString());
    }

    @Test
    void variantsShareTheStagesTheyHaveInCommon() throws IOException {
        Recipe r = load("""
                main:
                  baselines: [seed_only]
                  variants:
                    full: {}
                    k_4: {synthesize: {k: 4}}
                    flat: {mix: {weighting: constant}}
                    two_rounds: {rounds: 2}
                """);
        // round 0 and seed-only are the same for every variant: planned once, under the first variant's names
        assertTrue(r.stages().containsKey("forward_r0_full"));
        for (String v : List.of("k_4", "flat", "two_rounds")) {
            assertFalse(r.stages().containsKey("forward_r0_" + v), v);
            assertFalse(r.stages().containsKey("eval_seed_only_" + v), v);
        }
        assertEquals(4, ((SynthesizeConfig) r.stages().get("synthesize_r1_k_4")).k());
        assertEquals("reverse_r0_full", ((SynthesizeConfig) r.stages().get("synthesize_r1_k_4")).modelStage());
        // weighting changes only mix and what follows it
        assertFalse(r.stages().containsKey("synthesize_r1_flat"));
        assertFalse(r.stages().containsKey("select_r1_flat"));
        assertEquals("select_r1_full", ((MixConfig) r.stages().get("mix_r1_flat")).selectedStage());
        assertTrue(r.stages().containsKey("synthesize_r2_two_rounds"));
        TableConfig t = (TableConfig) r.stages().get("table");
        assertEquals(List.of("eval_seed_only_full"), t.rows().get("k_4").get("seed_only"));
        assertEquals(List.of("eval_main_k_4"), t.rows().get("k_4").get("main"));
        assertEquals(List.of("eval_main_two_rounds"), t.rows().get("two_rounds").get("main"));
        assertEquals("forward_r2_two_rounds", ((EvalConfig) r.stages().get("eval_main_two_rounds")).modelStage());
        // round 1's diagnose stage (round-0 models on the pool's gold pairs) is the same for every variant: listed once
        assertEquals(Map.of("full/diagnose_r1", List.of("diagnose_r1_full"), "two_rounds/diagnose_r2", List.of("diagnose_r2_two_rounds")),
                t.diagnostics());
    }

    @Test
    void mistakesInVariantsNameTheKey() {
        assertTrue(error("main:\n  variants: [a, b]\n").contains("main.variants: expected a mapping of variant names"), error("main:\n  variants: [a, b]\n"));
        String bad = error("main:\n  variants:\n    Big: {}\n");
        assertTrue(bad.contains("main.variants.Big: a variant name must be lower-case"), bad);
        String seeds = error("main:\n  variants:\n    a: {training_seeds: [1]}\n");
        assertTrue(seeds.contains("main.variants.a.training_seeds: set training_seeds on main itself"), seeds);
        String unknown = error("main:\n  variants:\n    a: {roundz: 2}\n");
        assertTrue(unknown.contains("roundz") && unknown.contains("rounds"), unknown);
        String twice = error("main:\n  training_seeds: [1, 1]\n");
        assertTrue(twice.contains("training_seeds: a seed appears twice"), twice);
    }
}
