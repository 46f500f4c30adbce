package dev.mutual.experiments.recipe;

import dev.mutual.data.chat.PairDirection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code score_pairs}: every candidate pair of a synthesize stage scored by a forward and a reverse model
 * (MAIN's four log-likelihoods, token counts, forward and reverse PMI, mutual, IFD), with the best candidate of
 * each response marked. Writes {@code scores.jsonl}; works shard by shard and resumes after a kill.
 *
 * @param candidatesStage the synthesize stage whose {@code candidates.jsonl} to score
 * @param forwardStage    a train stage with direction forward: log p(y'|x̂) and log p(y')
 * @param reverseStage    a train stage with direction reverse: log p(x̂|y') and log p(x̂)
 * @param batchSize       scoring requests per packed forward pass (results do not depend on it)
 * @param shardSize       candidates per shard, the unit of resume
 * @param keepBest        how the best candidate of each source_id is chosen: the highest mutual, forward_pmi or
 *                        reverse_pmi, or the first scorable one
 * @param runner          where the shards run: local (this JVM) or spark (see README "Spark"); null for the
 *                        recipe's top-level runner
 */
@StageType("score_pairs")
public record ScorePairsConfig(
        String candidatesStage,
        String forwardStage,
        String reverseStage,
        @Default("16") int batchSize,
        @Default("256") int shardSize,
        @Default("mutual") String keepBest,
        @Default("null") String runner) implements StageConfig {

    public static final List<String> KEEP_BEST = List.of("mutual", "forward_pmi", "reverse_pmi", "first");

    public ScorePairsConfig {
        SparkSettings.checkRunner(runner);
        if (batchSize < 1) throw new IllegalArgumentException("batch_size: expected >= 1, found " + batchSize);
        if (shardSize < 1) throw new IllegalArgumentException("shard_size: expected >= 1, found " + shardSize);
        if (!KEEP_BEST.contains(keepBest)) {
            throw new IllegalArgumentException("keep_best: expected one of " + KEEP_BEST + ", found \"" + keepBest + "\""
                    + DidYouMean.hint(keepBest, KEEP_BEST));
        }
    }

    /** This config with {@code runner} set (Stages fills in the recipe's runner, so it joins the cache key). */
    public ScorePairsConfig withRunner(String runner) {
        return new ScorePairsConfig(candidatesStage, forwardStage, reverseStage, batchSize, shardSize, keepBest, runner);
    }

    @Override
    public List<String> upstream() {
        return distinct(candidatesStage, forwardStage, reverseStage);
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        // By type name: the synthesize stage's config lives on another branch.
        StageConfig c = stages.get(candidatesStage);
        if (c == null) {
            throw new IllegalArgumentException("candidates_stage: no stage named '" + candidatesStage + "'"
                    + DidYouMean.hint(candidatesStage, stages.keySet()));
        }
        if (!c.type().equals("synthesize")) {
            throw new IllegalArgumentException("candidates_stage: stage '" + candidatesStage + "' is a " + c.type()
                    + " stage; expected a synthesize stage (its candidates.jsonl)");
        }
        requireModelStage(stages, "forward_stage", forwardStage, PairDirection.FORWARD);
        requireModelStage(stages, "reverse_stage", reverseStage, PairDirection.REVERSE);
    }

    /** Checks that {@code name} (under {@code key}) is a train stage that trains in {@code direction}. */
    static void requireModelStage(Map<String, StageConfig> stages, String key, String name, PairDirection direction) {
        String expected = "a train stage with direction: " + direction.recipeName();
        TrainConfig t = StageConfig.requireStage(stages, key, name, TrainConfig.class, expected);
        if (t.pairDirection() != direction) {
            throw new IllegalArgumentException(key + ": stage '" + name + "' trains direction " + t.direction() + "; expected " + expected);
        }
    }

    /** The names once each, in order. */
    static List<String> distinct(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) if (!out.contains(n)) out.add(n);
        return out;
    }
}
