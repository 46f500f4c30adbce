package dev.mutual.data.prepare;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one stage did, as written to stats.json.
 *
 * @param stage             the stage name ("read" for the input of the first stage)
 * @param settings          the settings in effect
 * @param in                examples in
 * @param out               examples kept
 * @param droppedByReason   dropped examples per reason
 * @param instructionChars  character lengths of the kept pairs' instructions (with input)
 * @param responseChars     character lengths of the kept responses
 * @param evalSetHits       decontamination only: dropped examples per eval set hit (every eval set listed, 0 when clean)
 */
public record StageStats(String stage, String settings, long in, long out, Map<String, Long> droppedByReason,
                         LengthHistogram instructionChars, LengthHistogram responseChars, Map<String, Long> evalSetHits) {
    public StageStats {
        droppedByReason = Collections.unmodifiableMap(new LinkedHashMap<>(droppedByReason));
        evalSetHits = Collections.unmodifiableMap(new LinkedHashMap<>(evalSetHits));
    }

    public long dropped() {
        return in - out;
    }
}
