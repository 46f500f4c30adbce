package dev.mutual.experiments.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code synthesize}: MAIN's E-step writing half. The reverse model p(x|y) of {@code model_stage} writes
 * {@code k} candidate instructions for every response of {@code pool_stage}'s {@code data.jsonl}, into
 * {@code candidates.jsonl} (one line per candidate, with its provenance). What an item gets depends only on the seed,
 * the item's id and the candidate index, never on {@code batch_size} or {@code shard_size}.
 *
 * @param modelStage   a {@code train} stage with {@code direction: reverse}: the instruction writer
 * @param poolStage    a stage that writes a {@code data.jsonl} (prepare_data): its responses are the pool; a pair's
 *                     instruction is ignored
 * @param k            candidate instructions per response
 * @param temperature  sampling temperature; 0 is greedy (then k must be 1: every candidate would be the same)
 * @param topP         nucleus sampling: keep the smallest set of tokens with this much probability; 1 keeps all
 * @param maxNewTokens the longest instruction, in tokens
 * @param stop         strings that end an instruction (cut before them), besides EOS and end-of-turn tokens
 * @param seed         seed of the candidates' random streams, or null for the recipe's seed
 * @param shardSize    pool items per shard, the unit of resume (shard i = items [i*shard_size, (i+1)*shard_size))
 * @param batchSize    prompts per generation pass (speed only: results do not depend on it)
 * @param round        the MAIN round these candidates belong to (written into every line and id)
 * @param limit        synthesize for the first this many pool items only; 0 for the whole pool
 * @param runner          where the shards run: local (this JVM) or spark (see README "Spark"); null for the
 *                        recipe's top-level runner
 */
@StageType("synthesize")
public record SynthesizeConfig(
        String modelStage,
        String poolStage,
        @Default("1") int k,
        @Default("0.7") double temperature,
        @Default("0.9") double topP,
        @Default("64") int maxNewTokens,
        @Default("[]") List<String> stop,
        @Default("null") Long seed,
        @Default("64") int shardSize,
        @Default("16") int batchSize,
        @Default("1") int round,
        @Default("0") int limit,
        @Default("null") String runner) implements StageConfig {

    public SynthesizeConfig {
        SparkSettings.checkRunner(runner);
        if (k < 1) throw new IllegalArgumentException("k: expected >= 1 candidates per response, found " + k);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature: expected a finite number >= 0 (0 is greedy), found " + temperature);
        }
        if (temperature == 0 && k > 1) {
            throw new IllegalArgumentException("temperature: 0 (greedy) writes the same instruction " + k
                    + " times; set k: 1 or a temperature above 0");
        }
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p: expected a number in (0, 1], found " + topP);
        if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens: expected >= 1, found " + maxNewTokens);
        for (String s : stop) if (s.isEmpty()) throw new IllegalArgumentException("stop: expected non-empty strings, found \"\"");
        if (shardSize < 1) throw new IllegalArgumentException("shard_size: expected >= 1, found " + shardSize);
        if (batchSize < 1) throw new IllegalArgumentException("batch_size: expected >= 1, found " + batchSize);
        if (round < 1) throw new IllegalArgumentException("round: expected >= 1, found " + round);
        if (limit < 0) throw new IllegalArgumentException("limit: expected >= 0 (0 for the whole pool), found " + limit);
    }

    /** This config with {@code runner} set (Stages fills in the recipe's runner, so it joins the cache key). */
    public SynthesizeConfig withRunner(String runner) {
        return new SynthesizeConfig(modelStage, poolStage, k, temperature, topP, maxNewTokens, stop, seed, shardSize, batchSize,
                round, limit, runner);
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>(List.of(modelStage));
        if (!up.contains(poolStage)) up.add(poolStage);
        return up;
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        String expected = "a train stage with direction: reverse (the model that writes instructions)";
        TrainConfig model = StageConfig.requireStage(stages, "model_stage", modelStage, TrainConfig.class, expected);
        if (!model.direction().equals("reverse")) {
            throw new IllegalArgumentException("model_stage: stage '" + modelStage + "' trains direction "
                    + model.direction() + "; expected " + expected);
        }
        StageConfig.requireDataStage(stages, "pool_stage", poolStage);
    }
}
