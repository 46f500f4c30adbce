package dev.mutual.experiments.pipeline;

import java.util.Map;

/** What a stage reports when it finishes: named numbers (e.g. examples kept, duplicates dropped), in order. */
public record StageResult(Map<String, Number> metrics) {

    public StageResult {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }
}
