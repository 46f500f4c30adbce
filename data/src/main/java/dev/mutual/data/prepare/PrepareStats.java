package dev.mutual.data.prepare;

import java.util.List;
import java.util.Map;

/**
 * The result of {@link DataPreparer#prepare}: what was read and what each stage kept and dropped (stats.json).
 *
 * @param config  the configuration that produced this (written to stats.json so a run can be traced and repeated)
 * @param sources the files read
 * @param stages  the stages run, in order
 * @param kept    examples written to data.jsonl
 * @param dropped examples written to dropped.jsonl
 */
public record PrepareStats(PrepareConfig config, List<SourceStats> sources, List<StageStats> stages, long kept, long dropped) {
    public PrepareStats {
        sources = List.copyOf(sources);
        stages = List.copyOf(stages);
    }

    /**
     * One file read.
     *
     * @param file           the path as given
     * @param format         the format used
     * @param records        records read (for OASST trees: messages)
     * @param examples       examples produced
     * @param pairs          of which instruction-response pairs (the rest are unlabelled responses)
     * @param skippedInvalid invalid records skipped, by reason
     * @param skippedLines   the first few skipped records, "FILE:LINE: what is wrong"
     */
    public record SourceStats(String file, String format, long records, long examples, long pairs,
                              Map<String, Long> skippedInvalid, List<String> skippedLines) {
    }

    /** The stats of the named stage, or null when it did not run. */
    public StageStats stage(String name) {
        for (StageStats s : stages) if (s.stage().equals(name)) return s;
        return null;
    }
}
