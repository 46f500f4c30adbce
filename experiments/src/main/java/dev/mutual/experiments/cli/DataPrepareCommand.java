package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import dev.mutual.data.prepare.DataPreparer;
import dev.mutual.data.prepare.LengthFilter;
import dev.mutual.data.prepare.PrepareConfig;
import dev.mutual.data.prepare.PrepareStats;
import dev.mutual.data.prepare.StageStats;
import dev.mutual.data.tokenizer.TextTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code mutual data prepare --input FILE --output DIR}: reads data files (format detected or named), normalises,
 * filters by length (characters, and tokens of {@code --tokenizer}), removes exact and near duplicates, decontaminates against eval sets, and writes data.jsonl,
 * dropped.jsonl and stats.json into DIR.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Normalise, deduplicate and decontaminate data files; writes data.jsonl, dropped.jsonl and stats.json.",
                "Eval sets default to those found under ../shared/data beside the repository (say --no-decontaminate to skip)."})
final class DataPrepareCommand implements Callable<Integer> {
    /** The eval-set files looked for under the shared data folder when none are named. */
    static final List<String> DEFAULT_EVAL_SETS = List.of("ifeval/input_data.jsonl", "alpaca_eval/alpaca_eval_805_prompts.jsonl",
            "mt_bench/question.jsonl", "vicuna_bench/question.jsonl", "gsm8k/test.jsonl", "strategyqa/test.jsonl",
            "self_instruct_user_oriented/user_oriented_instructions.jsonl");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "A data file (JSONL, JSON array or .txt; .gz allowed). Repeat for several.")
    List<Path> inputs;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output folder (created; its data.jsonl, dropped.jsonl, stats.json are replaced).")
    Path output;

    @Option(names = "--format", paramLabel = "NAME", description = "Format of every input: prepared, oasst, sharegpt, openai, responses, self_instruct, alpaca, dolly, human_assistant, text. Default: detected per file.")
    String format;

    @Option(names = "--skip-invalid", description = "Skip and count malformed records instead of stopping at the first.")
    boolean skipInvalid;

    @Option(names = "--limit", paramLabel = "N", description = "Read at most N examples per input.")
    @Range(min = 1)
    Integer limit;

    @Option(names = "--unlabelled", description = "Read pairs as unlabelled responses (instruction kept aside as gold instruction).")
    boolean unlabelled;

    @Option(names = "--no-normalize", description = "Skip NFC and whitespace normalisation.")
    boolean noNormalize;

    @Option(names = "--min-chars", paramLabel = "N", description = "Drop items whose response or instruction has fewer characters.")
    @Range(min = 0)
    Integer minChars;

    @Option(names = "--max-chars", paramLabel = "N", description = "Drop items whose response or instruction has more characters.")
    @Range(min = 1)
    Integer maxChars;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer that counts tokens for --min-tokens/--max-tokens: a tokenizer.json, a folder holding one, or a llama2.c .bin. Tokens are counted without special tokens (no BOS).")
    Path tokenizer;

    @Option(names = "--min-tokens", paramLabel = "N", description = "Drop items whose response or instruction has fewer tokens (needs --tokenizer).")
    @Range(min = 0)
    Integer minTokens;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Drop items whose response or instruction has more tokens (needs --tokenizer).")
    @Range(min = 1)
    Integer maxTokens;

    @Option(names = "--no-dedup", description = "Skip exact and near-duplicate removal.")
    boolean noDedup;

    @Option(names = "--no-near-dedup", description = "Skip near-duplicate removal only.")
    boolean noNearDedup;

    @Option(names = "--near-dedup-threshold", paramLabel = "J", defaultValue = "0.8", description = "Jaccard similarity at which items are near duplicates (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1, exclusive = true, exclusiveMax = true)
    double nearDedupThreshold;

    @Option(names = "--shingle-size", paramLabel = "N", defaultValue = "5", description = "Words per MinHash shingle (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int shingleSize;

    @Option(names = "--num-perm", paramLabel = "N", defaultValue = "128", description = "MinHash permutations (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int numPerm;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the MinHash permutations (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Option(names = "--decontaminate-against", paramLabel = "[NAME=]FILE", description = "An eval-set file (IFEval, AlpacaEval, MT-Bench, GSM8K, ...); NAME defaults to its folder. Repeat for several.")
    List<String> evalSets;

    @Option(names = "--no-decontaminate", description = "Skip decontamination.")
    boolean noDecontaminate;

    @Option(names = "--ngram", paramLabel = "N", defaultValue = "13", description = "Decontamination n-gram length in words (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int ngram;

    @Option(names = "--min-prompt-words", paramLabel = "N", defaultValue = "6", description = "Eval prompts shorter than --ngram words are matched whole when they have at least N words; 0: never (default: ${DEFAULT-VALUE}).")
    @Range(min = 0)
    int minPromptWords;

    @Override
    public Integer call() {
        InputFiles.requireOutputDirectory(output, "--output " + output);
        PrintWriter out = spec.commandLine().getOut();
        List<PrepareConfig.Source> sources = new ArrayList<>();
        for (Path input : inputs) sources.add(new PrepareConfig.Source(input, format, skipInvalid, limit, unlabelled));
        PrepareConfig config = new PrepareConfig(sources, !noNormalize, minChars, maxChars, minTokens, maxTokens, !noDedup,
                new PrepareConfig.NearDedup(!noDedup && !noNearDedup, shingleSize, numPerm, nearDedupThreshold, seed),
                new PrepareConfig.Decontamination(!noDecontaminate, ngram, minPromptWords, noDecontaminate ? List.of() : evalSets(out)));

        if (config.needsTokenCounter() && tokenizer == null) {
            throw new UserInputException("--min-tokens / --max-tokens need a tokenizer to count tokens: expected --tokenizer PATH, found none");
        }
        PrepareStats stats;
        if (config.needsTokenCounter()) {
            try (TextTokenizer counter = TextTokenizer.load(tokenizer)) {
                stats = DataPreparer.prepare(config, output, LengthFilter.tokenCounter(counter));
            }
        } else {
            stats = DataPreparer.prepare(config, output, null);
        }
        printSummary(out, stats);
        return 0;
    }

    /** The named eval sets, or those found under the shared data folder; says which. */
    private List<PrepareConfig.EvalSet> evalSets(PrintWriter out) {
        List<PrepareConfig.EvalSet> sets = new ArrayList<>();
        if (evalSets != null && !evalSets.isEmpty()) {
            for (String spec : evalSets) {
                int eq = spec.indexOf('=');
                Path file = Path.of(eq > 0 ? spec.substring(eq + 1) : spec);
                if (!Files.isRegularFile(file)) throw new UserInputException("--decontaminate-against " + spec + ": no such file " + file);
                sets.add(new PrepareConfig.EvalSet(eq > 0 ? spec.substring(0, eq) : null, file));
            }
            return sets;
        }
        Path shared = SharedData.folder();
        for (String f : DEFAULT_EVAL_SETS) {
            if (shared != null && Files.isRegularFile(shared.resolve(f))) sets.add(new PrepareConfig.EvalSet(null, shared.resolve(f)));
        }
        if (sets.isEmpty()) {
            out.println("decontamination: no eval sets given and none found under " + (shared == null ? "../shared/data" : shared)
                    + "; not decontaminating (name them with --decontaminate-against FILE)");
        } else {
            out.println("decontamination: against " + sets.size() + " eval sets found under " + shared + ": "
                    + String.join(", ", sets.stream().map(PrepareConfig.EvalSet::name).toList()));
        }
        return sets;
    }

    static void printSummary(PrintWriter out, PrepareStats stats) {
        for (PrepareStats.SourceStats s : stats.sources()) {
            long skipped = s.skippedInvalid().values().stream().mapToLong(Long::longValue).sum();
            out.printf("read %s: format %s, %d records, %d examples (%d pairs, %d unlabelled)%s%n", s.file(), s.format(), s.records(),
                    s.examples(), s.pairs(), s.examples() - s.pairs(), skipped == 0 ? "" : ", skipped " + skipped + " invalid " + s.skippedInvalid());
        }
        for (StageStats st : stats.stages()) {
            if (st.stage().equals("read")) continue;
            out.printf("%-14s %7d -> %7d  dropped %d%s%n", st.stage(), st.in(), st.out(), st.dropped(), reasons(st.droppedByReason()));
            if (!st.evalSetHits().isEmpty()) out.printf("%-14s hits per eval set: %s%n", "", st.evalSetHits());
        }
        out.printf("kept %d, dropped %d: wrote %s, %s, %s%n", stats.kept(), stats.dropped(), DataPreparer.DATA_FILE,
                DataPreparer.DROPPED_FILE, DataPreparer.STATS_FILE);
    }

    private static String reasons(Map<String, Long> byReason) {
        return byReason.isEmpty() ? "" : " " + byReason;
    }
}
