package dev.mutual.experiments.pipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One step of a recipe, built from its config record (see {@link Stages}). The {@link Pipeline} decides
 * whether it runs: its outputs are cached under a hash of (stage type, config, code version, input hashes).
 * A stage reads only its config, its input files and its upstream stages' output folders, and writes only
 * under {@link StageContext#workDir()}; the pipeline publishes that folder when the stage returns.
 */
public interface Stage {

    /** Bump when a code change alters what this stage writes, so cached outputs are recomputed. */
    int codeVersion();

    /** Files outside the run directory this stage reads; their content hashes join the cache key. */
    List<Path> inputFiles();

    /**
     * True when the stage can continue from the leftovers of a killed attempt (e.g. training from its last
     * checkpoint). Otherwise the pipeline clears the work folder before {@link #run}.
     */
    default boolean resumable() {
        return false;
    }

    /**
     * Does the work. A {@link #resumable()} stage may find leftovers of a killed attempt in the work folder
     * ({@link StageContext#resumed()}) and must continue from them or clear them.
     *
     * @return numbers worth recording in {@code metrics.jsonl} and the stage's manifest
     */
    StageResult run(StageContext ctx) throws IOException;
}
