package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import dev.mutual.data.hub.HubPath;
import dev.mutual.eval.likelihood.ScoresFile;
import dev.mutual.eval.likelihood.LogLikelihoodScorer;
import dev.mutual.eval.model.ModelLogLikelihoodScorer;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.run.Limits;
import dev.mutual.eval.run.LikelihoodRun;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code mutual eval likelihood}: multiple choice by log-likelihood (any JSONL with "choices": acc, acc_norm) or
 * held-out likelihood of reference responses (loglik, perplexity, bits per byte), from scores computed elsewhere or by
 * scoring with {@code --model} directly.
 */
@Command(name = "likelihood", mixinStandardHelpOptions = true,
        description = "Log-likelihood evaluation: multiple choice (files whose lines have \"choices\"; acc and "
                + "acc_norm as lm-evaluation-harness) or held-out prompt/response pairs (mean log-likelihood, "
                + "perplexity, bits per byte). Score with --model directly, or write the scoring requests, score them with any "
                + "model, then pass the scores back.")
final class EvalLikelihoodCommand implements Callable<Integer> {
    static final class Mode {
        @Option(names = "--write-requests", paramLabel = "FILE", required = true,
                description = "write the scoring requests (JSONL: request, id, choice, context, continuation) and exit")
        Path writeRequests;

        @Option(names = "--scores", paramLabel = "FILE", required = true,
                description = "JSONL answering every request: {\"request\": k, \"logprob\": sum of ln p, \"tokens\": n}")
        Path scores;

        @ArgGroup(exclusive = false, multiplicity = "1", heading = "Score with a model directly:%n")
        ModelOptions model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    @Option(names = "--data", paramLabel = "FILE",
            description = "multiple-choice or held-out JSONL (default: heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl)")
    Path data;

    @Option(names = "--name", paramLabel = "NAME", description = "benchmark name in results.json (default: the data file's name)")
    String name;

    @Option(names = "--output", paramLabel = "DIR", description = "evaluation directory to write (with --scores)")
    Path output;

    @Option(names = "--limit", paramLabel = "N", description = "evaluate only the first N items (recorded in results.json as 'limit')")
    @Range(min = 1)
    Integer limit;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "with --model: sequences per packed forward pass (default: ${DEFAULT-VALUE}); scores do not depend on it")
    @Range(min = 1)
    int batchSize;

    @Mixin
    RunInfoOptions runInfo;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (output != null) InputFiles.requireOutputDirectory(output, "--output " + output);
        PrintWriter out = spec.commandLine().getOut();
        Path file = data != null ? data : SharedData.file("heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl", "--data");
        String benchmark = name != null ? name : file.getFileName().toString().replaceFirst("\\.jsonl?$", "");
        LikelihoodRun.Items items = LikelihoodRun.Items.read(file, benchmark, limit == null ? 0 : limit);
        if (mode.writeRequests != null) {
            List<ScoresFile.LabelledRequest> requests = items.requests();
            ScoresFile.writeRequests(requests, mode.writeRequests);
            out.printf(Locale.ROOT, "wrote %d %s requests for %d items to %s%n", requests.size(),
                    items.isMultipleChoice() ? "multiple-choice" : "held-out", items.size(), mode.writeRequests);
            out.flush();
            return 0;
        }
        if (output == null) throw new UserInputException("--output DIR is required with --scores or --model");
        Map<String, Object> settings = new LinkedHashMap<>();
        EvalOutcome outcome;
        if (mode.model == null) {
            settings.put("limit", Limits.describe(limit == null ? 0 : limit, items.size()));
            outcome = LikelihoodRun.fromScores(items, ScoresFile.read(mode.scores, items.requests()), output, runInfo.toRunInfo(), settings);
        } else {
            settings.put("model", HubPath.nameOf(mode.model.model));
            if (mode.model.tokenizer != null) settings.put("tokenizer", HubPath.nameOf(mode.model.tokenizer));
            settings.put("context_tokens", "encode(context) with BOS; continuation = the rest of encode(context + continuation)");
            settings.put("limit", Limits.describe(limit == null ? 0 : limit, items.size()));
            EvalResult.RunInfo run = runInfo.toRunInfo(mode.model.model.toString(), "unknown");
            try (ModelOptions.Loaded m = mode.model.load(false)) {
                LogLikelihoodScorer scorer = new ModelLogLikelihoodScorer(m.decoder(), m.requireTokenizer("scoring text"), startToken(m), batchSize);
                outcome = LikelihoodRun.score(items, scorer, output, run, settings);
            }
        }
        out.printf(Locale.ROOT, "%s (%d items)%n", benchmark, outcome.result().n());
        for (var e : outcome.result().metrics().entrySet()) out.printf(Locale.ROOT, "  %-18s %.4f%n", e.getKey(), e.getValue());
        out.println("wrote " + output.resolve(EvalResultFiles.RESULTS) + " and " + EvalResultFiles.SAMPLES);
        out.flush();
        return 0;
    }

    /** BOS, or EOS for tokenizers without BOS (Qwen2), as lm-evaluation-harness's prefix token for an empty context. */
    private static int startToken(ModelOptions.Loaded m) {
        if (m.tokenizer() != null && m.tokenizer().bosId().isPresent()) return m.tokenizer().bosId().getAsInt();
        if (m.weights().config().bosTokenId() >= 0) return m.weights().config().bosTokenId();
        if (!m.eosTokenIds().isEmpty()) return m.eosTokenIds().get(0);
        throw new UserInputException("--model: the model has neither a BOS nor an EOS id to start an empty context from");
    }
}
