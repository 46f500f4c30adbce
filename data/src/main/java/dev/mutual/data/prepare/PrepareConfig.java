package dev.mutual.data.prepare;

import dev.mutual.data.UserInputException;
import dev.mutual.data.read.EvalPromptReader;
import dev.mutual.data.read.Format;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link DataPreparer} does: which files to read and which stages to run, in this order:
 * normalise, length filter, exact dedup, near dedup, decontaminate. A recipe's {@code data:} section maps onto
 * this record (snake_case YAML keys onto these camelCase fields: {@code min_chars} is {@link #minChars}).
 *
 * @param sources         the data files, read in order (earlier files win ties in dedup)
 * @param normalize       NFC + whitespace normalisation (see {@link TextNormalizer}); default true
 * @param minChars        drop items whose response or instruction (with input) is shorter, in characters; null: no bound
 * @param maxChars        drop items whose response or instruction (with input) is longer, in characters; null: no bound
 * @param minTokens       as minChars, in tokens of the token counter given to {@link DataPreparer#prepare}; null: no bound
 * @param maxTokens       as maxChars, in tokens; null: no bound
 * @param exactDedup      drop exact duplicates of instruction+response after lower-casing and collapsing whitespace; default true
 * @param nearDedup       MinHash + LSH near-duplicate removal
 * @param decontamination n-gram overlap with eval sets
 */
public record PrepareConfig(List<Source> sources, boolean normalize, Integer minChars, Integer maxChars,
                            Integer minTokens, Integer maxTokens, boolean exactDedup, NearDedup nearDedup,
                            Decontamination decontamination) {

    /**
     * One data file.
     *
     * @param path        the file (JSONL, JSON array or .txt; .gz allowed)
     * @param format      a {@link Format} name ("alpaca", "dolly", ...) or null to detect it from the first record
     * @param skipInvalid skip and count malformed records instead of stopping at the first; default false
     * @param limit       read at most this many examples; null: all
     * @param unlabelled  treat pairs as unlabelled responses: the instruction is kept aside as gold instruction,
     *                    never used; default false (files without instructions are unlabelled anyway)
     */
    public record Source(Path path, String format, boolean skipInvalid, Integer limit, boolean unlabelled) {
        public Source {
            if (path == null) throw new UserInputException("data.sources[].path: expected a file path, found nothing");
            if (format != null && format.isBlank()) format = null;
            if (format != null) Format.byName(format);
            if (limit != null && limit < 1) throw new UserInputException("data.sources[].limit for " + path + ": expected a count >= 1, found " + limit);
        }

        /** A file with its format detected, every record required valid. */
        public static Source of(Path path) {
            return new Source(path, null, false, null, false);
        }
    }

    /**
     * Near-duplicate removal with MinHash + LSH over word shingles (see {@link NearDedup}).
     *
     * @param enabled     default true
     * @param shingleSize words per shingle; default 5
     * @param numPerm     MinHash permutations (signature length); default 128
     * @param threshold   Jaccard similarity at and above which two items are near duplicates; default 0.8
     * @param seed        seed of the hash permutations; the result is deterministic for a given seed; default 1
     */
    public record NearDedup(boolean enabled, int shingleSize, int numPerm, double threshold, long seed) {
        public NearDedup {
            if (shingleSize < 1) throw new UserInputException("data.near_dedup.shingle_size: expected >= 1, found " + shingleSize);
            if (numPerm < 2 || numPerm > 1024) throw new UserInputException("data.near_dedup.num_perm: expected 2..1024, found " + numPerm);
            if (!(threshold > 0 && threshold < 1)) throw new UserInputException("data.near_dedup.threshold: expected a Jaccard similarity in (0, 1), found " + threshold);
        }

        public static NearDedup defaults() {
            return new NearDedup(true, 5, 128, 0.8, 1);
        }
    }

    /**
     * Decontamination: drop an item whose instruction, input or response shares a word n-gram with an eval prompt
     * (lower-cased, punctuation ignored; see {@link Decontaminator}).
     *
     * @param enabled        default true (a no-op when evalSets is empty)
     * @param ngram          n-gram length in words; default 13 (GPT-3, lm-evaluation-harness)
     * @param minPromptWords eval prompts shorter than {@code ngram} words are matched whole when they have at least
     *                       this many words ("What is the meaning of life?" has 6); 0 turns that off; default 6
     * @param evalSets       eval set files
     */
    public record Decontamination(boolean enabled, int ngram, int minPromptWords, List<EvalSet> evalSets) {
        public Decontamination {
            if (ngram < 1) throw new UserInputException("data.decontamination.ngram: expected >= 1, found " + ngram);
            if (minPromptWords < 0) throw new UserInputException("data.decontamination.min_prompt_words: expected >= 0, found " + minPromptWords);
            evalSets = evalSets == null ? List.of() : List.copyOf(evalSets);
        }

        public static Decontamination against(List<EvalSet> evalSets) {
            return new Decontamination(true, 13, 6, evalSets);
        }

        public static Decontamination disabled() {
            return new Decontamination(false, 13, 6, List.of());
        }
    }

    /**
     * An eval set file (read with {@link EvalPromptReader}).
     *
     * @param name the name reported in stats; null: the folder holding the file ("ifeval/input_data.jsonl": "ifeval")
     * @param path the file
     */
    public record EvalSet(String name, Path path) {
        public EvalSet {
            if (path == null) throw new UserInputException("data.decontamination.eval_sets[].path: expected a file path, found nothing");
            if (name == null || name.isBlank()) name = EvalPromptReader.defaultName(path);
        }
    }

    public PrepareConfig {
        if (sources == null || sources.isEmpty()) throw new UserInputException("data.sources: expected at least one data file, found none");
        sources = List.copyOf(sources);
        checkBounds("chars", minChars, maxChars);
        checkBounds("tokens", minTokens, maxTokens);
        if (nearDedup == null) nearDedup = NearDedup.defaults();
        if (decontamination == null) decontamination = Decontamination.disabled();
    }

    /** Everything on with its default, decontaminating against {@code evalSets} (may be empty). */
    public static PrepareConfig defaults(List<Source> sources, List<EvalSet> evalSets) {
        return new PrepareConfig(sources, true, null, null, null, null, true, NearDedup.defaults(),
                Decontamination.against(evalSets));
    }

    /** True when a token bound is set, so a token counter is needed. */
    public boolean needsTokenCounter() {
        return minTokens != null || maxTokens != null;
    }

    private static void checkBounds(String unit, Integer min, Integer max) {
        if (min != null && min < 0) throw new UserInputException("data.min_" + unit + ": expected >= 0, found " + min);
        if (max != null && max < 1) throw new UserInputException("data.max_" + unit + ": expected >= 1, found " + max);
        if (min != null && max != null && min > max) {
            throw new UserInputException("data.min_" + unit + " (" + min + ") is above data.max_" + unit + " (" + max + ")");
        }
    }
}
