package dev.mutual.experiments.recipe;

import java.util.List;
import java.util.Map;

/**
 * The configuration of one stage of a recipe, chosen by the stage's {@code type:} key. Each implemented stage
 * type is a record here, annotated with its {@link StageType} name and listed in {@code permits}; its
 * implementation lives in {@code dev.mutual.experiments.pipeline}. To add a stage type: write the record, add
 * it to {@code permits}, and build its stage in {@code Stages.create}.
 */
public sealed interface StageConfig extends java.io.Serializable permits PrepareDataConfig, TrainConfig, SynthesizeConfig, EvalConfig, ReportConfig, SelectConfig, MixConfig, CurateConfig, ScorePairsConfig, DiagnoseConfig, TableConfig {

    /** Names of the stages whose outputs this stage reads; they run first. */
    default List<String> upstream() {
        return List.of();
    }

    /** The {@code type:} name of this stage, from its {@link StageType} annotation. */
    default String type() {
        return RecordBinder.stageTypeName(getClass());
    }

    /**
     * Checks, before anything runs, that the stages this one names are of the kind it needs (a synthesize stage's
     * model must be a reverse model, a train stage's data must come from a stage that writes {@code data.jsonl}).
     *
     * @param stages every stage of the recipe, by name
     * @throws IllegalArgumentException naming the key and what was expected
     */
    default void checkReferences(Map<String, StageConfig> stages) {}

    /** Stage configs whose folder holds a {@code data.jsonl} of training pairs (what {@code data_stage} reads). */
    interface WritesData {}

    /** The stage named {@code name} under {@code key}, which must be a {@code type}. */
    static <T extends StageConfig> T requireStage(Map<String, StageConfig> stages, String key, String name,
                                                  Class<T> type, String expected) {
        StageConfig s = stages.get(name);
        if (s == null) {
            throw new IllegalArgumentException(key + ": no stage named '" + name + "'" + DidYouMean.hint(name, stages.keySet()));
        }
        if (!type.isInstance(s)) {
            throw new IllegalArgumentException(key + ": stage '" + name + "' is a " + s.type() + " stage; expected " + expected);
        }
        return type.cast(s);
    }

    /** Checks that {@code name} writes a data.jsonl of pairs. */
    static void requireDataStage(Map<String, StageConfig> stages, String key, String name) {
        StageConfig s = stages.get(name);
        if (s == null) {
            throw new IllegalArgumentException(key + ": no stage named '" + name + "'" + DidYouMean.hint(name, stages.keySet()));
        }
        if (!(s instanceof WritesData)) {
            List<String> kinds = stages.values().stream().filter(c -> c instanceof WritesData).map(StageConfig::type).distinct().toList();
            throw new IllegalArgumentException(key + ": stage '" + name + "' is a " + s.type()
                    + " stage, which writes no data.jsonl of pairs; expected a stage that does (" + String.join(", ",
                    kinds.isEmpty() ? List.of("prepare_data") : kinds) + ")");
        }
    }
}
