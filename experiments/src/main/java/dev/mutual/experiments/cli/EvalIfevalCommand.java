package dev.mutual.experiments.cli;

import dev.mutual.data.Progress;
import dev.mutual.eval.ifeval.IfevalAccuracy;
import dev.mutual.eval.ifeval.IfevalEvaluator;
import dev.mutual.eval.ifeval.IfevalPrompt;
import dev.mutual.eval.ifeval.IfevalPrompts;
import dev.mutual.eval.ifeval.IfevalResponses;
import dev.mutual.eval.ifeval.IfevalResultFiles;
import dev.mutual.eval.report.EvalResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mutual eval ifeval --responses FILE --output DIR}: scores responses on IFEval (541 prompts, 25 rule-based
 * instruction checkers), writes the reference's {@code eval_results_{strict,loose}.jsonl} plus {@code results.json}
 * and {@code samples.jsonl} into DIR, and prints the four accuracies.
 */
@Command(name = "ifeval", mixinStandardHelpOptions = true,
        description = "Instruction following (IFEval, Zhou et al. 2023): strict and loose, prompt- and instruction-level accuracy.")
final class EvalIfevalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--responses", required = true, paramLabel = "FILE",
            description = "JSONL lines {\"prompt\": ..., \"response\": ...}, matched to the benchmark by exact prompt text.")
    Path responses;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Directory for eval_results_strict.jsonl, eval_results_loose.jsonl, results.json, samples.jsonl.")
    Path output;

    @Option(names = "--input", paramLabel = "FILE",
            description = "IFEval prompts in input_data.jsonl format (default: the bundled 541 prompts).")
    Path input;

    @Mixin
    RunInfoOptions runInfoOptions;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<IfevalPrompt> prompts = input == null ? IfevalPrompts.bundled() : IfevalPrompts.read(input);
        Map<String, String> answers = IfevalResponses.read(responses);

        Progress progress = new Progress(line -> {
            err.println(line);
            err.flush();
        }, "ifeval", prompts.size(), "prompts scored", 2000);
        IfevalEvaluator.Run run = IfevalEvaluator.evaluate(prompts, answers, progress::update);
        progress.finish();

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("prompts_file", input == null ? "bundled input_data.jsonl (541 prompts)" : input.toString());
        settings.put("responses_file", responses.toString());
        settings.put("language_detector", "com.cybozu.labs:langdetect 1.1-20120112, seed 0");
        EvalResult.RunInfo runInfo = runInfoOptions.toRunInfo(responses.toString(), "unknown");
        IfevalResultFiles.write(output, run, runInfo, settings);

        IfevalAccuracy acc = run.accuracy();
        if (!run.missingKeys().isEmpty()) {
            out.printf("note: %d of %d prompts have no response in %s and are not scored (keys %s)%n",
                    run.missingKeys().size(), prompts.size(), responses, run.missingKeys());
        }
        if (run.unmatchedResponses() > 0) {
            out.printf("note: %d responses answer no IFEval prompt and were ignored%n", run.unmatchedResponses());
        }
        out.printf("IFEval on %d prompts, %d instructions%n", acc.prompts(), acc.instructions());
        out.print(acc.report());
        out.println("instruction-level accuracy by group (strict / loose):");
        IfevalAccuracy.byGroup(run.verdicts()).forEach((group, a) ->
                out.printf("  %-20s %6.2f / %6.2f%n", group, 100 * a[0], 100 * a[1]));
        out.printf("wrote %s, %s, results.json, samples.jsonl in %s%n", IfevalResultFiles.STRICT, IfevalResultFiles.LOOSE, output);
        out.flush();
    }
}
