package dev.mutual.experiments.main;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainMethodTest {

    @Test
    void pmiIsTheLengthNormalisedGainOverTheUnconditionalLikelihood() {
        // log p(y'|x̂) = -20 over 10 tokens, log p(y') = -30: the instruction saves 1 nat per response token
        assertEquals(1.0, MainMethod.forwardPmi(-20, -30, 10), 1e-12);
        assertEquals(-0.5, MainMethod.reversePmi(-12, -10, 4), 1e-12);
        assertEquals(0.5, MainMethod.mutual(1.0, -0.5), 1e-12);
        // IFD = mean loss with the instruction / mean loss without: 2 nats vs 3 nats per token
        assertEquals(2.0 / 3.0, MainMethod.ifd(-20, -30), 1e-12);
    }

    @Test
    void syntheticWeightsCarryTheirShareOfAllWeight() {
        double[] scores = {0.3, -0.1, 0.8, 0.0};
        int seed = 12;
        for (MainMethod.Weighting mode : List.of(MainMethod.Weighting.SIZE_BALANCED, MainMethod.Weighting.SCORE_SOFTMAX,
                MainMethod.Weighting.ROUND_RAMP)) {
            double[] w = MainMethod.syntheticWeights(mode, scores, seed, 0.25, 0.5);
            double total = 0;
            for (double v : w) total += v;
            assertEquals(0.25, total / (total + seed), 1e-12, mode.toString());
        }
        double[] constant = MainMethod.syntheticWeights(MainMethod.Weighting.CONSTANT, scores, seed, 0.25, 0.5);
        for (double v : constant) assertEquals(1.0, v);
        double[] equal = MainMethod.syntheticWeights(MainMethod.Weighting.SIZE_BALANCED, scores, seed, 0.25, 0.5);
        assertEquals(equal[0], equal[1], 0);
        // softmax: the best pair gets the most weight, in the order of the scores, and a high temperature evens it out
        double[] soft = MainMethod.syntheticWeights(MainMethod.Weighting.SCORE_SOFTMAX, scores, seed, 0.25, 0.5);
        assertTrue(soft[2] > soft[0] && soft[0] > soft[3] && soft[3] > soft[1]);
        double[] flat = MainMethod.syntheticWeights(MainMethod.Weighting.SCORE_SOFTMAX, scores, seed, 0.25, 1e9);
        assertEquals(equal[0], flat[2], 1e-6);
    }

    @Test
    void roundRampTrustsSyntheticDataMoreEachRound() {
        assertEquals(0.5 / 3, MainMethod.syntheticShare(MainMethod.Weighting.ROUND_RAMP, 0.5, 1, 3), 1e-12);
        assertEquals(0.5, MainMethod.syntheticShare(MainMethod.Weighting.ROUND_RAMP, 0.5, 3, 3), 1e-12);
        assertEquals(0.5, MainMethod.syntheticShare(MainMethod.Weighting.SCORE_SOFTMAX, 0.5, 1, 3), 1e-12);
    }

    @Test
    void planRunsTheRoundsInOrderThenTheBaselinesThenTheReport() {
        MainSettings m = new MainSettings("seed", "pool", "base", null, 2, false,
                List.of("seed_only", "backtranslation", "random_k", "humpback_a5"), true, true, List.of());
        List<PlannedStage> plan = MainMethod.plan(m, true);
        List<String> names = plan.stream().map(PlannedStage::name).toList();
        assertEquals(List.of("forward_r0", "reverse_r0",
                "synthesize_r1", "score_r1", "select_r1", "diagnose_r1", "mix_r1", "forward_r1", "reverse_r1",
                "synthesize_r2", "score_r2", "select_r2", "diagnose_r2", "mix_r2", "forward_r2",
                "select_backtranslation", "mix_backtranslation", "forward_backtranslation",
                "select_random_k", "mix_random_k", "forward_random_k",
                "curate_r1", "select_humpback_a5", "mix_humpback_a5", "forward_humpback_a5",
                "eval_main", "eval_seed_only", "eval_backtranslation", "eval_random_k", "eval_humpback_a5", "report"), names);
        Map<String, PlannedStage> byName = new java.util.HashMap<>();
        for (PlannedStage s : plan) byName.put(s.name(), s);
        // round 2 synthesizes with round 1's reverse model and scores with round 1's models
        assertEquals("reverse_r1", byName.get("synthesize_r2").keys().get("model_stage"));
        assertEquals("forward_r1", byName.get("score_r2").keys().get("forward_stage"));
        // every model trains from the base unless continue_training
        assertEquals("base", byName.get("forward_r2").keys().get("model_stage"));
        assertEquals("reverse", byName.get("reverse_r1").keys().get("direction"));
        assertEquals(List.of("train", "reverse"), byName.get("reverse_r1").blocks());
        assertEquals(2, byName.get("mix_r2").keys().get("round"));
        assertEquals("select_r1", byName.get("select_random_k").keys().get("size_stage"));
        assertEquals(5, byName.get("select_humpback_a5").keys().get("min_rating"));
        assertEquals(MainMethod.HUMPBACK_SYNTHETIC_SYSTEM, byName.get("mix_humpback_a5").keys().get("synthetic_system"));
        // beside a Humpback baseline each round's diagnostics rate the pairs too: main.curate's rater, that round's model
        PlannedStage.Nested rating = (PlannedStage.Nested) byName.get("diagnose_r2").keys().get("rating");
        assertEquals(List.of("curate"), rating.blocks());
        assertEquals(Map.of("model_stage", "forward_r1"), rating.keys());
        assertEquals("forward_r1", byName.get("diagnose_r2").keys().get("forward_stage"));
        assertEquals(Map.of("model_stage", "forward_r0"), ((PlannedStage.Nested) byName.get("diagnose_r1").keys().get("rating")).keys());
        assertEquals(Map.of("pairs_stage", "score_r1", "model_stage", "forward_r0"), byName.get("curate_r1").keys());
        @SuppressWarnings("unchecked")
        Map<String, Object> strategies = (Map<String, Object>) byName.get("report").keys().get("strategies");
        assertEquals("eval_main", strategies.get("main"));
        assertEquals("forward_r2", byName.get("eval_main").keys().get("model_stage"));
        assertEquals("forward_r0", byName.get("eval_seed_only").keys().get("model_stage"));
        assertEquals("seed_only", byName.get("report").keys().get("baseline"));
        assertEquals(MainMethod.HUMPBACK_SEED_SYSTEM, byName.get("eval_humpback_a5").keys().get("system"));
        assertFalse(byName.get("eval_main").keys().containsKey("system"));

        MainSettings continuing = new MainSettings("seed", "pool", null, null, 2, true, List.of("seed_only"), false, true, List.of());
        Map<String, PlannedStage> c = new java.util.HashMap<>();
        for (PlannedStage s : MainMethod.plan(continuing, false)) c.put(s.name(), s);
        assertEquals("forward_r1", c.get("forward_r2").keys().get("model_stage"));
        assertFalse(c.get("forward_r0").keys().containsKey("model_stage"));  // the train block's init
        assertFalse(c.containsKey("report"));
        assertFalse(c.containsKey("diagnose_r1"));

        MainSettings noHumpback = new MainSettings("seed", "pool", "base", null, 1, false, List.of("seed_only", "random_k"), true, true, List.of());
        for (PlannedStage s : MainMethod.plan(noHumpback, false)) {
            assertFalse(s.keys().containsKey("rating"), s.name() + ": no rating without a Humpback baseline");
        }
    }
}
