package dev.mutual.experiments.pipeline;

import dev.mutual.data.AtomicFile;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.prepare.ParallelMap;
import dev.mutual.experiments.recipe.SparkSettings;
import org.slf4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Runs the missing shards of a {@link ShardWork} and hands each finished one to the stage, which writes it
 * atomically as {@code shards/shard-NNNNN.jsonl} in its work folder. {@code local} runs them one after another in
 * this JVM; {@code spark} (module mutual-spark, found through {@link ServiceLoader}) runs each as a partition of a
 * Spark job. Either way the stage's files are written here, by this process, in the same format.
 */
public interface ShardRunner {

    String LOCAL = "local";
    String SPARK = "spark";
    List<String> NAMES = List.of(LOCAL, SPARK);

    /** The recipe name of this runner ({@code local} or {@code spark}). */
    String name();

    /**
     * Runs shards {@code todo} of {@code work} and calls {@code done} for each as it finishes (one call at a time,
     * in any order). Throws when a shard cannot be computed; the shards handed over until then stay written.
     *
     * @param models the stage's own models, for a runner that computes in this JVM (Spark executors use
     *               {@link ModelPool#SHARED})
     */
    void run(String stage, ShardWork work, List<Integer> todo, SparkSettings spark, ModelPool models, Finished done)
            throws IOException;

    /**
     * Where prepare_data's per-example work (MinHash signatures, eval n-gram lookups) runs with this runner: in this
     * thread for local; the Spark runner spreads it over the cluster's partitions.
     */
    default ParallelMap parallelMap(String stage, SparkSettings spark) {
        return ParallelMap.LOCAL;
    }

    /** Receives finished shards on the stage's side. */
    interface Finished {
        void accept(ShardWork.Output output) throws IOException;
    }

    /** The runner called {@code name}: local, or spark when the mutual-spark module is on the classpath. */
    static ShardRunner named(String name) {
        if (name.equals(LOCAL)) return new LocalShardRunner();
        for (ShardRunner r : ServiceLoader.load(ShardRunner.class)) if (r.name().equals(name)) return r;
        if (name.equals(SPARK)) {
            throw new UserInputException("runner: spark: the Spark runner (module mutual-spark) is not on the classpath;"
                    + " run through bin/mutual, which adds it when the recipe or its overrides say runner: spark (or"
                    + " MUTUAL_SPARK=1 is set), after building it with 'mvn -B -DskipTests package'");
        }
        throw new UserInputException("runner: expected one of " + NAMES + ", found \"" + name + "\"");
    }

    /** The shards of {@code work} that {@code shardsDir} does not hold yet, in order. */
    static List<Integer> missing(ShardWork work, Path shardsDir) {
        List<Integer> todo = new ArrayList<>();
        for (int s = 0; s < work.shardCount(); s++) if (!Files.isRegularFile(shardFile(shardsDir, s))) todo.add(s);
        return todo;
    }

    static Path shardFile(Path shards, int index) {
        return shards.resolve(String.format(Locale.ROOT, "shard-%05d.jsonl", index));
    }

    /**
     * Runs the missing shards with the runner {@code name}, writing each atomically into {@code shardsDir} as it
     * finishes, with progress (shards and items done, rate, ETA) in {@code log}. Returns the tokens and the
     * seconds of work the shards of this attempt report.
     */
    static Totals runMissing(String name, SparkSettings spark, String stage, ShardWork work, Path shardsDir, ModelPool models,
                             Logger log) throws IOException {
        List<Integer> todo = missing(work, shardsDir);
        long items = 0, done = 0;
        for (int s = 0; s < work.shardCount(); s++) {
            items += work.shardItems(s);
            if (!todo.contains(s)) done += work.shardItems(s);
        }
        Totals totals = new Totals();
        if (todo.isEmpty()) return totals;
        ShardRunner runner = named(name);
        if (!name.equals(LOCAL)) log.info("{}: {} shards to run with runner {}", stage, todo.size(), name);
        Progress progress = new Progress(log, stage, items, "items", 5000).startingAt(done);
        int shardsDone = work.shardCount() - todo.size();
        long[] state = {done, shardsDone};
        runner.run(stage, work, todo, spark, models, out -> {
            AtomicFile.write(shardFile(shardsDir, out.shard()), w -> {
                for (String line : out.lines()) {
                    w.write(line);
                    w.write('\n');
                }
            });
            log.info("{}: {} written: {} lines, {} tokens, {}s", stage, shardFile(shardsDir, out.shard()).getFileName(),
                    out.lines().size(), out.tokens(), String.format(Locale.ROOT, "%.1f", out.seconds()));
            state[0] += work.shardItems(out.shard());
            state[1]++;
            totals.tokens += out.tokens();
            totals.seconds += out.seconds();
            progress.update(state[0], "shard " + state[1] + "/" + work.shardCount() + " (" + shardFile(shardsDir,
                    out.shard()).getFileName() + "), " + totals.tokens + " tokens");
        });
        progress.finish(state[0], totals.tokens + " tokens this attempt");
        return totals;
    }

    /** What the shards of one attempt report: tokens and the seconds spent on them (summed over shards). */
    final class Totals {
        public long tokens;
        public double seconds;
    }
}
