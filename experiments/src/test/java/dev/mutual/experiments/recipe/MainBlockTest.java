package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quickstart's main: block, expanded into stages that bind, validate and can be overridden one by one. */
class MainBlockTest {

    private static final Path QUICKSTART = Path.of("../recipes/quickstart.yaml");

    private static Recipe load(String... overrides) {
        return RecipeLoader.load(QUICKSTART, List.of(overrides), Map.of(), Path.of("."));
    }

    private static String error(Path recipe, String... overrides) {
        return assertThrows(UserInputException.class,
                () -> RecipeLoader.load(recipe, List.of(overrides), Map.of(), Path.of("."))).getMessage();
    }

    @Test
    void theQuickstartPlansMainItsBaselinesAndTheReport() {
        Recipe r = load();
        assertEquals(List.of("prepare_seed", "prepare_pool", "forward_r0", "reverse_r0", "synthesize_r1", "score_r1",
                "select_r1", "diagnose_r1", "mix_r1", "forward_r1", "select_backtranslation", "mix_backtranslation",
                "forward_backtranslation", "eval_main", "eval_seed_only", "eval_backtranslation", "report"),
                List.copyOf(r.stages().keySet()));
        TrainConfig reverse = (TrainConfig) r.stages().get("reverse_r0");
        assertEquals("reverse", reverse.direction());
        assertEquals("prepare_seed", reverse.dataStage());
        assertEquals(30, reverse.steps());                    // from main.train
        assertTrue(reverse.model().endsWith("samples/stories260K.bin"));
        TrainConfig forward = (TrainConfig) r.stages().get("forward_r1");
        assertEquals("mix_r1", forward.dataStage());
    }

    @Test
    void onePlannedStageCanBeOverriddenAndTheMethodKeysToo() {
        Recipe r = load("stages.forward_r1.steps=7", "main.rounds=2", "main.baselines=[seed_only]");
        assertEquals(7, ((TrainConfig) r.stages().get("forward_r1")).steps());
        assertEquals(30, ((TrainConfig) r.stages().get("forward_r0")).steps());
        assertTrue(r.stages().containsKey("synthesize_r2"));
        assertTrue(r.stages().containsKey("reverse_r1"));      // round 2 needs round 1's reverse model
        assertTrue(!r.stages().containsKey("reverse_r2"));     // nothing uses the last round's
        assertTrue(!r.stages().containsKey("forward_backtranslation"));
    }

    @Test
    void aHumpbackBaselineRatesInTheDiagnosticsWithTheCurateBlocksRater() {
        Recipe r = load("main.baselines=[seed_only, humpback_a4]", "main.curate.method=likelihood", "main.curate.batch_size=2",
                "main.curate.candidates=all");
        CurateConfig curate = (CurateConfig) r.stages().get("curate_r1");
        DiagnoseConfig diagnose = (DiagnoseConfig) r.stages().get("diagnose_r1");
        assertEquals(CandidateChoice.ALL, curate.candidates());  // a curate key the rating does not take
        assertEquals(curate.rating(), diagnose.rating(), "the same rater: model_stage forward_r0, method, prompt, ...");
        assertEquals("forward_r0", diagnose.rating().modelStage());
        assertEquals(CurateConfig.Method.LIKELIHOOD, diagnose.rating().method());
        assertEquals(2, diagnose.rating().batchSize());
        assertTrue(diagnose.upstream().contains("forward_r0"));
        assertNull(((DiagnoseConfig) load().stages().get("diagnose_r1")).rating(), "no Humpback baseline, no rating");
    }

    @Test
    void mistakesNameTheKeyAndTheLine() throws Exception {
        String quickstart = Files.readString(QUICKSTART);
        Path dir = Files.createTempDirectory("main-block");
        Path bad = dir.resolve("bad.yaml");
        // relative paths of the recipe resolve against its folder: keep them pointing at the repository
        String text = quickstart.replace("../samples/", QUICKSTART.toAbsolutePath().getParent().getParent().normalize() + "/samples/");

        Files.writeString(bad, text.replace("    steps: 30\n", "    steps: many\n"));
        String msg = error(bad);
        assertTrue(msg.startsWith(bad + ":"), msg);
        assertTrue(msg.contains("steps: expected an integer, found 'many'"), msg);

        Files.writeString(bad, text.replace("    steps: 30\n", "    steps: 30\n    data_stage: prepare_pool\n"));
        msg = error(bad);
        assertTrue(msg.contains("data_stage: MAIN's plan sets this key of stage 'forward_r0' itself"), msg);

        Files.writeString(bad, text.replace("  rounds: 1\n", "  rounds: 0\n"));
        assertTrue(error(bad).contains("main: rounds: expected >= 1, found 0"), error(bad));

        Files.writeString(bad, text.replace("  rounds: 1\n", "  rounds: 1\n  roundz: 2\n"));
        assertTrue(error(bad).contains("unknown key 'main.roundz'; did you mean 'rounds'?"), error(bad));

        Files.writeString(bad, text.replace("baselines: [seed_only, backtranslation]", "baselines: [seed_only, humpback]"));
        assertTrue(error(bad).contains("baselines: expected names from"), error(bad));

        Files.writeString(bad, text.replace("  diagnose:\n    limit: 100\n", "  diagnose:\n    limit: 100\n    rating: {method: generate}\n")
                .replace("baselines: [seed_only, backtranslation]", "baselines: [seed_only, humpback_a5]"));
        assertTrue(error(bad).contains("rating: MAIN's plan sets this key of stage 'diagnose_r1' itself (to {model_stage=forward_r0}"
                + " with the keys of main.curate)"), error(bad));

        Files.writeString(bad, text.replace("\nmain:\n", "  forward_r0:\n    type: prepare_data\n    sources: []\n\nmain:\n"));
        assertTrue(error(bad).contains("stages.forward_r0: MAIN plans a stage of this name"), error(bad));
    }
}
