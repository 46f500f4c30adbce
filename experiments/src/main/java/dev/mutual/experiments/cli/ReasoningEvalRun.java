package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.reasoning.ReasoningEvaluator;
import dev.mutual.eval.reasoning.ReasoningItem;
import dev.mutual.eval.reasoning.ReasoningTask;
import dev.mutual.eval.reasoning.ResponsesFile;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.run.GeneratedResponses;
import dev.mutual.eval.run.ReasoningRun;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code mutual eval gsm8k} and {@code mutual eval strategyqa} share: either write the few-shot prompts
 * for generation elsewhere, or score a responses file into an evaluation directory.
 */
final class ReasoningEvalRun {
    static final class Mode {
        @Option(names = "--responses", paramLabel = "FILE", required = true,
                description = "JSONL of responses, each with \"response\" and \"id\", \"index\" or \"question\"")
        Path responses;

        @Option(names = "--write-prompts", paramLabel = "FILE", required = true,
                description = "write the few-shot prompts (JSONL: id, index, question, prompt, stop) and exit")
        Path writePrompts;

        @ArgGroup(exclusive = false, multiplicity = "1", heading = "Generate the responses with a model:%n")
        ModelOptions model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    @Option(names = "--output", paramLabel = "DIR", description = "evaluation directory to write (with --responses or --model)")
    Path output;

    @Option(names = "--data", paramLabel = "FILE", description = "dataset JSONL (default: the shared test set)")
    Path data;

    @Option(names = "--num-fewshot", paramLabel = "N", description = "chain-of-thought exemplars per prompt (default: all)")
    @Range(min = 0)
    Integer numFewshot;

    @Mixin
    RunInfoOptions runInfo;

    @Mixin
    ModelEvalOptions modelEval;

    /** @param defaultData the dataset under ../shared/data read without --data, e.g. {@code gsm8k/test.jsonl} */
    int run(ReasoningTask benchmarkTask, String defaultData, CommandLine cli) {
        PrintWriter out = cli.getOut();
        modelEval.check(mode.model != null);
        ReasoningTask task = mode.model == null ? benchmarkTask : benchmarkTask.withGeneration(modelEval.settings(benchmarkTask.generation()));
        Path dataFile = data != null ? data : SharedData.file(defaultData, "--data");
        List<ReasoningItem> items = ReasoningRun.limit(task, task.readItems(dataFile), modelEval.limit == null ? 0 : modelEval.limit);
        if (mode.writePrompts != null) {
            int n = ReasoningEvaluator.writePrompts(task, items, mode.writePrompts);
            out.printf(Locale.ROOT, "wrote %d %s prompts (%d-shot) to %s%n", n, task.name(), task.numFewshot(), mode.writePrompts);
            out.flush();
            return 0;
        }
        if (output == null) throw new UserInputException("--output DIR is required with --responses or --model");
        InputFiles.requireOutputDirectory(output, "--output " + output);
        EvalOutcome outcome;
        String source;
        if (mode.model == null) {
            Map<String, String> responses = ResponsesFile.read(mode.responses, items);
            outcome = ReasoningRun.score(task, items, responses, output, runInfo.toRunInfo(),
                    Map.of("limit", modelEval.limitSetting(items.size())));
            source = mode.responses.toString();
        } else {
            EvalResult.RunInfo run = runInfo.toRunInfo(mode.model.model.toString(), "unknown");
            try (ModelOptions.Loaded m = mode.model.load(false)) {
                outcome = ReasoningRun.generateAndScore(task, items, modelEval.generator(m, task.generation().chat()), output, run,
                        modelEval.record(mode.model, items.size()));
            }
            source = output.resolve(GeneratedResponses.FILE).toString();
        }
        out.printf(Locale.ROOT, "%s (%d-shot, %d items from %s)%n", task.name(), task.numFewshot(), outcome.result().n(), source);
        for (var e : outcome.result().metrics().entrySet()) {
            out.printf(Locale.ROOT, "  %-30s %6.2f%%%n", e.getKey(), 100 * e.getValue());
        }
        Object unanswered = outcome.result().settings().get("unanswered_items");
        if (!Integer.valueOf(0).equals(unanswered)) {
            cli.getErr().println("warning: " + unanswered + " of " + items.size() + " items have no response and are not scored");
        }
        out.println("wrote " + output.resolve(EvalResultFiles.RESULTS) + " and " + EvalResultFiles.SAMPLES);
        out.flush();
        return 0;
    }
}
