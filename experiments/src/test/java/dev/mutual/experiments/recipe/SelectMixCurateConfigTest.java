package dev.mutual.experiments.recipe;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The select, mix and curate keys: how they bind, which combinations are refused, and the cross-stage checks. */
class SelectMixCurateConfigTest {

    @TempDir
    Path dir;

    private <T> T bind(String yaml, Class<T> type) {
        return RecordBinder.bindRecord(YamlTree.parse(yaml, "test.yaml", dir), type);
    }

    private String error(String yaml, Class<?> type) {
        return assertThrows(UserInputException.class, () -> bind(yaml, type)).getMessage();
    }

    @Test
    void selectBindsModesAndRefusesKeysItsModeDoesNotUse() {
        SelectConfig c = bind("{scores_stage: s, mode: forward_only, rule: top_percent, top_percent: 20, candidates: all}", SelectConfig.class);
        assertEquals(SelectConfig.Mode.FORWARD_ONLY, c.mode());
        assertEquals(SelectConfig.Rule.TOP_PERCENT, c.rule());
        assertEquals(CandidateChoice.ALL, c.candidates());
        assertEquals(1.0, c.ifdThreshold());
        assertEquals(List.of("s"), c.upstream());
        assertEquals(List.of("s", "main"), bind("{scores_stage: s, mode: random, size_stage: main}", SelectConfig.class).upstream());

        assertTrue(error("{scores_stage: s, mode: mutal}", SelectConfig.class).contains("mode: expected one of mutual, forward_only,"
                + " reverse_only, none, random, rating, found 'mutal'; did you mean 'mutual'?"));
        assertTrue(error("{scores_stage: s, rule: rank_sum}", SelectConfig.class)
                .endsWith("rule: rank_sum keeps the top_k pairs: set 'top_k: K'"));
        assertTrue(error("{scores_stage: s, top_k: 5}", SelectConfig.class).endsWith("top_k: only used by rule: rank_sum with mode"
                + " mutual, forward_only or reverse_only (found mode mutual, rule threshold)"));
        assertTrue(error("{scores_stage: s, mode: random}", SelectConfig.class).endsWith("mode: random needs exactly one of"
                + " 'size_stage: STAGE' (K = that select stage's kept count) and 'size: K', found neither"));
        assertTrue(error("{scores_stage: s, size: 5}", SelectConfig.class).endsWith("size: only used by mode: random, found mode mutual"));
        assertTrue(error("{scores_stage: s, mode: rating}", SelectConfig.class)
                .endsWith("mode: rating needs 'ratings_stage: STAGE' (a curate stage)"));
        assertTrue(error("{scores_stage: s, mode: rating, ratings_stage: c, min_rating: 6}", SelectConfig.class)
                .endsWith("min_rating: expected 1..5, found 6"));
        assertTrue(error("{scores_stage: s, top_percent: 0}", SelectConfig.class).endsWith("top_percent: expected a percentage in (0, 100], found 0.0"));
    }

    @Test
    void curateNeedsExactlyOneRaterAndAPromptWithBothPlaceholders() throws IOException {
        CurateConfig judged = bind("{pairs_stage: p, judge: {url: 'http://127.0.0.1:8000/v1', model: m}}", CurateConfig.class);
        assertEquals("OPENAI_API_KEY", judged.judge().apiKeyEnv());
        assertEquals(CurateConfig.Method.GENERATE, judged.method());
        assertNull(judged.prompt(), "the shipped prompt");
        assertEquals(List.of("p", "fwd"), bind("{pairs_stage: p, model_stage: fwd}", CurateConfig.class).upstream());

        assertTrue(error("{pairs_stage: p}", CurateConfig.class).endsWith("expected exactly one of 'model_stage: STAGE' (a forward"
                + " train stage rates) and 'judge: {url, model}' (an endpoint rates), found neither"));
        assertTrue(error("{pairs_stage: p, method: likelihood, judge: {url: 'http://x/v1', model: m}}", CurateConfig.class)
                .contains("method: likelihood scores the five replies with a model of the run"));
        assertTrue(error("{pairs_stage: p, judge: {url: 'ftp://x', model: m}}", CurateConfig.class)
                .endsWith("url: expected http(s)://..., found 'ftp://x'"));
        Files.writeString(dir.resolve("half.txt"), "Rate {response} from 1 to 5.");
        assertTrue(error("{pairs_stage: p, model_stage: fwd, prompt: half.txt}", CurateConfig.class)
                .endsWith("prompt: " + dir.resolve("half.txt") + " has no {generated_instruction} placeholder"));
    }

    @Test
    void aDiagnoseStagesRatingTakesTheCurateStagesRaterKeys() {
        // Curate's rater keys are Rating's: same names, types and defaults, in order.
        RecordComponent[] curate = CurateConfig.class.getRecordComponents(), rating = CurateConfig.Rating.class.getRecordComponents();
        assertEquals(6, rating.length);
        for (int i = 0; i < rating.length; i++) {
            RecordComponent c = curate[i + 1], r = rating[i];
            assertEquals(c.getName() + " " + c.getGenericType() + " " + c.getAnnotation(Default.class).value(),
                    r.getName() + " " + r.getGenericType() + " " + r.getAnnotation(Default.class).value());
        }
        DiagnoseConfig d = bind("{pool_stage: p, forward_stage: f, reverse_stage: r, rating: {model_stage: rater}}", DiagnoseConfig.class);
        assertEquals(new CurateConfig.Rating("rater", null, CurateConfig.Method.GENERATE, null, 256, 8), d.rating());
        assertEquals(List.of("p", "f", "r", "rater"), d.upstream());
        assertNull(bind("{pool_stage: p, forward_stage: f, reverse_stage: r}", DiagnoseConfig.class).rating());
        assertTrue(error("{pool_stage: p, forward_stage: f, reverse_stage: r, rating: {}}", DiagnoseConfig.class)
                .endsWith("rating: expected exactly one of 'model_stage: STAGE' (a forward train stage rates) and 'judge: {url, model}'"
                        + " (an endpoint rates), found neither"));
        assertTrue(error("{pool_stage: p, forward_stage: f, reverse_stage: r, rating: {judge: {url: 'http://x/v1', model: m},"
                + " method: likelihood}}", DiagnoseConfig.class).contains("rating: method: likelihood scores the five replies"));
    }

    @Test
    void stagesNamedBySelectMixAndCurateMustBeOfTheRightType() throws IOException {
        Files.writeString(dir.resolve("seed.jsonl"), "{\"instruction\": \"Hi?\", \"response\": \"Hello.\"}\n");
        Path tokenizer = Path.of("../samples/tok512.bin").toAbsolutePath().normalize();
        Path recipe = Files.writeString(dir.resolve("r.yaml"), """
                name: refs
                stages:
                  prep:
                    type: prepare_data
                    sources: [{path: seed.jsonl}]
                  rev:
                    type: train
                    data_stage: prep
                    direction: reverse
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    steps: 1
                """.formatted(tokenizer));
        String select = "stages.sel={type: select, scores_stage: prep}";
        assertTrue(load(recipe, select).endsWith("stages.sel.scores_stage: stage 'prep' is a prepare_data stage; expected a"
                + " score_pairs stage"), load(recipe, select));
        String unknown = load(recipe, "stages.sel={type: select, scores_stage: prepp}");
        assertTrue(unknown.endsWith("stage 'sel' reads from stage 'prepp', which the recipe does not define; did you mean 'prep'?"), unknown);
        assertTrue(load(recipe, "stages.cur={type: curate, pairs_stage: rev, model_stage: rev}").endsWith("stages.cur.pairs_stage:"
                + " stage 'rev' is a train stage; expected a score_pairs or synthesize stage"));
        String mix = load(recipe, "stages.mix={type: mix, seed_stage: rev}");
        assertTrue(mix.endsWith("stages.mix.seed_stage: stage 'rev' is a train stage, which writes no data.jsonl of pairs; expected"
                + " a stage that does (prepare_data, mix)"), mix);
    }

    private static String load(Path recipe, String override) {
        return assertThrows(UserInputException.class, () -> RecipeLoader.load(recipe, List.of(override), Map.of(), recipe.getParent()))
                .getMessage();
    }
}
