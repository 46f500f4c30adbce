package dev.mutual.experiments.pipeline;

import java.util.List;

/**
 * A stage as the pipeline schedules it.
 *
 * @param name     its name in the recipe (also its folder in the run directory)
 * @param type     its stage type, e.g. {@code prepare_data}
 * @param config   its resolved configuration as canonical text; part of the cache key
 * @param upstream the stages whose outputs it reads
 * @param stage    the implementation
 */
public record PipelineStage(String name, String type, String config, List<String> upstream, Stage stage) {

    public PipelineStage {
        upstream = List.copyOf(upstream);
    }
}
