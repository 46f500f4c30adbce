package dev.mutual.experiments.pipeline;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * The per-shard function of a sharded stage (synthesize, score_pairs, prepare_data's dedup), as a plain
 * serializable value: the local runner calls it in the stage's JVM, the Spark runner ships it to executors, and
 * both get the same lines for a shard. It holds only paths every worker can read and config values.
 */
public interface ShardWork extends Serializable {

    /** How many shards the stage's input makes. */
    int shardCount();

    /** The items (pool items, candidate pairs) of shard {@code shard}: progress counts these. */
    int shardItems(int shard);

    /** Computes shard {@code shard}, taking its models from {@code models}. */
    Output run(int shard, ModelPool models) throws IOException;

    /**
     * One finished shard: its output lines in order, the tokens it generated or scored and the seconds it took.
     *
     * @param lines an ArrayList (serializable), one JSON line each without the newline
     */
    record Output(int shard, List<String> lines, long tokens, double seconds) implements Serializable {}
}
