package dev.mutual.experiments.recipe;

import dev.mutual.experiments.main.MainMethod;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code mix}: the training data of one round, seed pairs plus the pairs a select stage kept, each with its
 * loss weight ({@link MainMethod#syntheticShare}, {@link MainMethod#syntheticWeights}; seed pairs weigh 1). Writes
 * {@code data.jsonl} in the OpenAI messages format, which a train stage's {@code data_stage} reads, and
 * {@code summary.json}.
 *
 * @param seedStage       the stage whose data.jsonl holds the seed pairs (a prepare_data stage)
 * @param selectedStage   the select stage whose kept.jsonl to add, or null for seed pairs only (the seed-only baseline)
 * @param weighting       how synthetic pairs are weighted against the seed (MainMethod.Weighting)
 * @param syntheticShare  the share of all weight the synthetic pairs carry, in (0, 1) (not used by constant)
 * @param temperature     softmax temperature of score_softmax and round_ramp, over the pairs' mutual scores
 * @param round           this round, 1..rounds (round_ramp grows the share with it)
 * @param rounds          the number of rounds
 * @param seedSystem      a system prompt on every seed pair (Humpback: "Answer in the style of an AI Assistant."), or null
 * @param syntheticSystem a system prompt on every synthetic pair (Humpback: "Answer with knowledge from web search."), or null
 */
@StageType("mix")
public record MixConfig(
        String seedStage,
        @Default("null") String selectedStage,
        @Default("constant") MainMethod.Weighting weighting,
        @Default("0.5") double syntheticShare,
        @Default("1.0") double temperature,
        @Default("1") int round,
        @Default("1") int rounds,
        @Default("null") String seedSystem,
        @Default("null") String syntheticSystem) implements StageConfig, StageConfig.WritesData {

    public MixConfig {
        if (!(syntheticShare > 0 && syntheticShare < 1)) {
            throw new IllegalArgumentException("synthetic_share: expected a share in (0, 1), found " + syntheticShare);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature: expected a finite number > 0, found " + temperature);
        }
        if (rounds < 1) throw new IllegalArgumentException("rounds: expected >= 1, found " + rounds);
        if (round < 1 || round > rounds) throw new IllegalArgumentException("round: expected 1.." + rounds + " (rounds), found " + round);
        if (seedSystem != null && seedSystem.isBlank()) throw new IllegalArgumentException("seed_system: empty; leave it out (null) for no system prompt");
        if (syntheticSystem != null && syntheticSystem.isBlank()) {
            throw new IllegalArgumentException("synthetic_system: empty; leave it out (null) for no system prompt");
        }
        if (selectedStage == null && syntheticSystem != null) {
            throw new IllegalArgumentException("synthetic_system: there are no synthetic pairs to tag without 'selected_stage'");
        }
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>(List.of(seedStage));
        if (selectedStage != null && !up.contains(selectedStage)) up.add(selectedStage);
        return up;
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        StageConfig.requireDataStage(stages, "seed_stage", seedStage);
        if (selectedStage != null) {
            StageConfig.requireStage(stages, "selected_stage", selectedStage, SelectConfig.class, "a select stage (its kept.jsonl)");
        }
    }
}
