package dev.mutual.experiments.pipeline;

/**
 * What happened to one stage in a run.
 *
 * @param name     the stage
 * @param status   ran, cached (finished in this run directory with the same cache key), or reused (linked from
 *                 another stage folder that finished with the same cache key: in this run, an earlier run of the
 *                 same recipe or any run under the same runs root)
 * @param manifest its finished manifest
 */
public record StageOutcome(String name, Status status, Manifest manifest) {

    public enum Status { RAN, CACHED, REUSED }
}
