package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.likelihood.HeldOutItem;
import dev.mutual.eval.likelihood.LikelihoodData;
import dev.mutual.eval.likelihood.LikelihoodEvaluator;
import dev.mutual.eval.likelihood.MultipleChoiceItem;
import dev.mutual.eval.likelihood.ScoresFile;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResultFiles;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code mutual eval likelihood}: multiple choice by log-likelihood (any JSONL with "choices": acc, acc_norm) or
 * held-out likelihood of reference responses (loglik, perplexity, bits per byte), from scores computed elsewhere.
 */
@Command(name = "likelihood", mixinStandardHelpOptions = true,
        description = "Log-likelihood evaluation: multiple choice (files whose lines have \"choices\"; acc and "
                + "acc_norm as lm-evaluation-harness) or held-out prompt/response pairs (mean log-likelihood, "
                + "perplexity, bits per byte). Write the scoring requests, score them with any model, then pass the "
                + "scores back.")
final class EvalLikelihoodCommand implements Callable<Integer> {
    static final class Mode {
        @Option(names = "--write-requests", paramLabel = "FILE", required = true,
                description = "write the scoring requests (JSONL: request, id, choice, context, continuation) and exit")
        Path writeRequests;

        @Option(names = "--scores", paramLabel = "FILE", required = true,
                description = "JSONL answering every request: {\"request\": k, \"logprob\": sum of ln p, \"tokens\": n}")
        Path scores;
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

    @Mixin
    RunInfoOptions runInfo;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path file = data != null ? data : SharedData.file("heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl");
        String benchmark = name != null ? name : file.getFileName().toString().replaceFirst("\\.jsonl?$", "");
        boolean multipleChoice = LikelihoodData.isMultipleChoice(file);
        List<MultipleChoiceItem> mc = multipleChoice ? LikelihoodData.readMultipleChoice(file) : null;
        List<HeldOutItem> heldOut = multipleChoice ? null : LikelihoodData.readHeldOut(file);
        List<ScoresFile.LabelledRequest> requests = multipleChoice ? ScoresFile.requests(mc) : ScoresFile.heldOutRequests(heldOut);
        if (mode.writeRequests != null) {
            ScoresFile.writeRequests(requests, mode.writeRequests);
            out.printf(Locale.ROOT, "wrote %d %s requests for %d items to %s%n", requests.size(),
                    multipleChoice ? "multiple-choice" : "held-out", multipleChoice ? mc.size() : heldOut.size(), mode.writeRequests);
            out.flush();
            return 0;
        }
        if (output == null) throw new UserInputException("--output DIR is required with --scores");
        var scores = ScoresFile.read(mode.scores, requests);
        EvalOutcome outcome = multipleChoice
                ? LikelihoodEvaluator.multipleChoice(benchmark, mc, scores, runInfo.toRunInfo())
                : LikelihoodEvaluator.heldOut(benchmark, heldOut, scores, runInfo.toRunInfo());
        EvalResultFiles.write(output, outcome.result(), outcome.samples());
        out.printf(Locale.ROOT, "%s (%d items)%n", benchmark, outcome.result().n());
        for (var e : outcome.result().metrics().entrySet()) out.printf(Locale.ROOT, "  %-18s %.4f%n", e.getKey(), e.getValue());
        out.println("wrote " + output.resolve(EvalResultFiles.RESULTS) + " and " + EvalResultFiles.SAMPLES);
        out.flush();
        return 0;
    }
}
