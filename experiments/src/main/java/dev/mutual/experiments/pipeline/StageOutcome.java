package dev.mutual.experiments.pipeline;

/**
 * What happened to one stage in a run.
 *
 * @param name     the stage
 * @param status   ran, cached (finished in this run directory with the same cache key), or reused (copied from
 *                 an earlier run directory of the same recipe where it finished with the same cache key)
 * @param manifest its finished manifest
 */
public record StageOutcome(String name, Status status, Manifest manifest) {

    public enum Status { RAN, CACHED, REUSED }
}
