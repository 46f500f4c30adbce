package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.recipe.SparkSettings;

import java.io.IOException;
import java.util.List;

/** {@code runner: local}: the shards one after another in this JVM, with the stage's models. */
final class LocalShardRunner implements ShardRunner {

    @Override
    public String name() {
        return LOCAL;
    }

    @Override
    public void run(String stage, ShardWork work, List<Integer> todo, SparkSettings spark, ModelPool models, Finished done)
            throws IOException {
        for (int shard : todo) done.accept(work.run(shard, models));
    }
}
