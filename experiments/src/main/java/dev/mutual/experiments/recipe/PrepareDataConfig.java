package dev.mutual.experiments.recipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Stage {@code prepare_data}: read data files, then normalise, filter by length, remove exact and near
 * duplicates and evaluation-set overlaps, in that order, writing {@code data.jsonl} (kept examples),
 * {@code dropped.jsonl} (each dropped example with stage and reason) and {@code stats.json}.
 * Maps onto {@code dev.mutual.data.prepare.PrepareConfig}.
 *
 * @param sources         the files to read, in order (earlier files win ties in dedup)
 * @param normalize       NFC + whitespace normalisation
 * @param minChars        drop examples whose response or instruction (with input) is shorter, or null for no bound
 * @param maxChars        drop examples whose response or instruction (with input) is longer, or null for no bound
 * @param tokenizer       the tokenizer that counts tokens for min_tokens / max_tokens (a tokenizer.json, a folder
 *                        holding one, or a llama2.c tokenizer .bin); tokens are counted without special tokens (no BOS)
 * @param minTokens       drop examples whose response or instruction (with input) has fewer tokens, or null for no bound
 * @param maxTokens       drop examples whose response or instruction (with input) has more tokens, or null for no bound
 * @param exactDedup      drop exact duplicates of instruction + response after lower-casing and collapsing whitespace
 * @param nearDedup       MinHash near-duplicate removal
 * @param decontamination n-gram overlap removal against evaluation sets
 * @param runner          where the per-example work of near_dedup and decontamination runs: local (this JVM) or
 *                        spark (see README "Spark"); null for the recipe's top-level runner
 */
@StageType("prepare_data")
public record PrepareDataConfig(
        List<DataSourceConfig> sources,
        @Default("true") boolean normalize,
        @Default("null") Integer minChars,
        @Default("null") Integer maxChars,
        @Default("null") Path tokenizer,
        @Default("null") Integer minTokens,
        @Default("null") Integer maxTokens,
        @Default("true") boolean exactDedup,
        @Default("{}") NearDedupConfig nearDedup,
        @Default("{}") DecontaminationConfig decontamination,
        @Default("null") String runner) implements StageConfig, StageConfig.WritesData {

    public PrepareDataConfig {
        SparkSettings.checkRunner(runner);
        if (sources.isEmpty()) throw new IllegalArgumentException("sources is empty; name at least one data file");
        if (minChars != null && minChars < 0) throw new IllegalArgumentException("min_chars: expected >= 0, found " + minChars);
        if (maxChars != null && maxChars < 1) throw new IllegalArgumentException("max_chars: expected >= 1, found " + maxChars);
        if (minChars != null && maxChars != null && minChars > maxChars) {
            throw new IllegalArgumentException("min_chars (" + minChars + ") is above max_chars (" + maxChars + ")");
        }
        if (minTokens != null && minTokens < 0) throw new IllegalArgumentException("min_tokens: expected >= 0, found " + minTokens);
        if (maxTokens != null && maxTokens < 1) throw new IllegalArgumentException("max_tokens: expected >= 1, found " + maxTokens);
        if (minTokens != null && maxTokens != null && minTokens > maxTokens) {
            throw new IllegalArgumentException("min_tokens (" + minTokens + ") is above max_tokens (" + maxTokens + ")");
        }
        if ((minTokens != null || maxTokens != null) && tokenizer == null) {
            throw new IllegalArgumentException("min_tokens / max_tokens need a tokenizer to count tokens: expected "
                    + "'tokenizer: PATH' (tokenizer.json or llama2.c .bin), found none");
        }
        if (tokenizer != null && !Files.exists(tokenizer)) throw new IllegalArgumentException("tokenizer: no such file or folder " + tokenizer);
        if (tokenizer != null) TokenizerCheck.check(tokenizer, null);
    }

    /** This config with {@code runner} set (Stages fills in the recipe's runner, so it joins the cache key). */
    public PrepareDataConfig withRunner(String runner) {
        return new PrepareDataConfig(sources, normalize, minChars, maxChars, tokenizer, minTokens, maxTokens, exactDedup,
                nearDedup, decontamination, runner);
    }
}
