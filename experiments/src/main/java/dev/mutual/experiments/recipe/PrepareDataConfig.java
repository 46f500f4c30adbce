package dev.mutual.experiments.recipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Stage {@code prepare_data}: read data files, normalise, filter by length, remove exact and near duplicates
 * and evaluation-set overlaps, and write one clean JSONL file plus statistics.
 *
 * @param sources         the files to read, concatenated in order
 * @param normalize       NFC-normalise text, unify line endings and strip surrounding whitespace
 * @param minChars        drop examples whose instruction + response is shorter (characters)
 * @param maxChars        drop examples whose instruction + response is longer (characters)
 * @param minTokens       drop examples with fewer tokens, or null for no limit; needs {@code tokenizer}
 * @param maxTokens       drop examples with more tokens, or null for no limit; needs {@code tokenizer}
 * @param tokenizer       a HuggingFace {@code tokenizer.json} that counts tokens for the token limits
 * @param exactDedup      drop examples identical (after normalisation) to an earlier one
 * @param nearDedup       MinHash near-duplicate removal
 * @param decontamination n-gram overlap removal against evaluation sets
 */
@StageType("prepare_data")
public record PrepareDataConfig(
        List<DataSourceConfig> sources,
        @Default("true") boolean normalize,
        @Default("1") int minChars,
        @Default("100000") int maxChars,
        @Default("null") Integer minTokens,
        @Default("null") Integer maxTokens,
        @Default("null") Path tokenizer,
        @Default("true") boolean exactDedup,
        @Default("{}") NearDedupConfig nearDedup,
        @Default("{}") DecontaminationConfig decontamination) implements StageConfig {

    public PrepareDataConfig {
        if (sources.isEmpty()) throw new IllegalArgumentException("sources is empty; name at least one data file");
        if (minChars < 0 || maxChars < minChars) {
            throw new IllegalArgumentException("need 0 <= min_chars <= max_chars, found " + minChars + " and " + maxChars);
        }
        if ((minTokens != null || maxTokens != null) && tokenizer == null) {
            throw new IllegalArgumentException("min_tokens/max_tokens need a tokenizer (a tokenizer.json path) to count tokens");
        }
        if (minTokens != null && maxTokens != null && maxTokens < minTokens) {
            throw new IllegalArgumentException("need min_tokens <= max_tokens, found " + minTokens + " and " + maxTokens);
        }
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("tokenizer: no such file " + tokenizer);
        }
    }
}
