package dev.mutual.experiments.pipeline;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a running stage may touch.
 *
 * @param name     the stage's name in the recipe
 * @param workDir  where the stage writes; published as the stage's folder only after it returns
 * @param upstream finished output folders of the stages it reads from, by stage name
 * @param resumed  the work folder holds leftovers of an earlier attempt that did not finish
 */
public record StageContext(String name, Path workDir, Map<String, Path> upstream, boolean resumed) {

    /** The finished output folder of upstream stage {@code stage}. */
    public Path upstreamDir(String stage) {
        Path dir = upstream.get(stage);
        if (dir == null) throw new IllegalArgumentException("stage '" + name + "' did not declare '" + stage + "' as upstream");
        return dir;
    }
}
