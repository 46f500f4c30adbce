package dev.mutual.experiments.recipe;

import java.util.List;

/**
 * Stage {@code prepare_data}: read data files, then normalise, filter by length, remove exact and near
 * duplicates and evaluation-set overlaps, in that order, writing {@code data.jsonl} (kept examples),
 * {@code dropped.jsonl} (each dropped example with stage and reason) and {@code stats.json}.
 * Maps onto {@code dev.mutual.data.prepare.PrepareConfig}. (Token-length bounds come with the models section,
 * whose tokenizer counts the tokens.)
 *
 * @param sources         the files to read, in order (earlier files win ties in dedup)
 * @param normalize       NFC + whitespace normalisation
 * @param minChars        drop examples whose response or instruction (with input) is shorter, or null for no bound
 * @param maxChars        drop examples whose response or instruction (with input) is longer, or null for no bound
 * @param exactDedup      drop exact duplicates of instruction + response after lower-casing and collapsing whitespace
 * @param nearDedup       MinHash near-duplicate removal
 * @param decontamination n-gram overlap removal against evaluation sets
 */
@StageType("prepare_data")
public record PrepareDataConfig(
        List<DataSourceConfig> sources,
        @Default("true") boolean normalize,
        @Default("null") Integer minChars,
        @Default("null") Integer maxChars,
        @Default("true") boolean exactDedup,
        @Default("{}") NearDedupConfig nearDedup,
        @Default("{}") DecontaminationConfig decontamination) implements StageConfig {

    public PrepareDataConfig {
        if (sources.isEmpty()) throw new IllegalArgumentException("sources is empty; name at least one data file");
        if (minChars != null && minChars < 0) throw new IllegalArgumentException("min_chars: expected >= 0, found " + minChars);
        if (maxChars != null && maxChars < 1) throw new IllegalArgumentException("max_chars: expected >= 1, found " + maxChars);
        if (minChars != null && maxChars != null && minChars > maxChars) {
            throw new IllegalArgumentException("min_chars (" + minChars + ") is above max_chars (" + maxChars + ")");
        }
    }
}
