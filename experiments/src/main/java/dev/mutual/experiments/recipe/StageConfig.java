package dev.mutual.experiments.recipe;

import java.util.List;

/**
 * The configuration of one stage of a recipe, chosen by the stage's {@code type:} key. Each implemented stage
 * type is a record here, annotated with its {@link StageType} name and listed in {@code permits}; its
 * implementation lives in {@code dev.mutual.experiments.pipeline}. To add a stage type: write the record, add
 * it to {@code permits}, and build its stage in {@code Stages.create}.
 */
public sealed interface StageConfig permits PrepareDataConfig, TrainConfig {

    /** Names of the stages whose outputs this stage reads; they run first. */
    default List<String> upstream() {
        return List.of();
    }

    /** The {@code type:} name of this stage, from its {@link StageType} annotation. */
    default String type() {
        return RecordBinder.stageTypeName(getClass());
    }
}
