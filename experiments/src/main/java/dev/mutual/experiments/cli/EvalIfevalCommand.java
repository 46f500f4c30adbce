package dev.mutual.experiments.cli;

import dev.mutual.eval.GenerationSettings;
import dev.mutual.data.InputFiles;
import dev.mutual.data.Progress;
import dev.mutual.eval.ifeval.IfevalAccuracy;
import dev.mutual.eval.ifeval.IfevalEvaluator;
import dev.mutual.eval.ifeval.IfevalPrompt;
import dev.mutual.eval.ifeval.IfevalPrompts;
import dev.mutual.eval.ifeval.IfevalResponses;
import dev.mutual.eval.ifeval.IfevalResultFiles;
import dev.mutual.eval.run.GeneratedResponses;
import dev.mutual.eval.run.IfevalRun;
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
import java.util.function.Consumer;

/**
 * {@code mutual eval ifeval (--responses FILE | --model PATH) --output DIR}: scores responses on IFEval (541 prompts,
 * 25 rule-based instruction checkers), generated first by the model when given one (saved as responses.jsonl), writes the reference's {@code eval_results_{strict,loose}.jsonl} plus {@code results.json}
 * and {@code samples.jsonl} into DIR, and prints the four accuracies.
 */
@Command(name = "ifeval", mixinStandardHelpOptions = true,
        description = "Instruction following (IFEval, Zhou et al. 2023): strict and loose, prompt- and instruction-level accuracy.")
final class EvalIfevalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Exactly one source of responses: a file, or a model that generates them. */
    static final class Source {
        @Option(names = "--responses", required = true, paramLabel = "FILE",
                description = "JSONL lines {\"prompt\": ..., \"response\": ...}, matched to the benchmark by exact prompt text.")
        Path responses;

        @ArgGroup(exclusive = false, multiplicity = "1", heading = "Generate the responses with a model:%n")
        ModelOptions model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Mixin
    ModelEvalOptions modelEval;

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
        InputFiles.requireOutputDirectory(output, "--output " + output);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        modelEval.check(source.model != null);
        List<IfevalPrompt> prompts = modelEval.limit(input == null ? IfevalPrompts.bundled() : IfevalPrompts.read(input));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("prompts_file", input == null ? "bundled input_data.jsonl (541 prompts)" : input.toString());
        Consumer<String> progress = line -> {
            err.println(line);
            err.flush();
        };
        IfevalRun.Result result;
        String responsesName;
        if (source.model == null) {
            responsesName = source.responses.toString();
            settings.put("responses_file", responsesName);
            settings.put("limit", modelEval.limitSetting(prompts.size()));
            result = IfevalRun.score(prompts, IfevalResponses.read(source.responses), output,
                    runInfoOptions.toRunInfo(responsesName, "unknown"), settings, progress);
        } else {
            responsesName = output.resolve(GeneratedResponses.FILE).toString();
            GenerationSettings generation = modelEval.settings(IfevalEvaluator.GENERATION);
            settings.putAll(modelEval.record(source.model, prompts.size()));
            try (ModelOptions.Loaded m = source.model.load(false)) {
                result = IfevalRun.generateAndScore(prompts, modelEval.generator(m, generation.chat()), generation,
                        modelEval.chatTemplateName(), output, runInfoOptions.toRunInfo(source.model.model.toString(), "unknown"),
                        settings, progress);
            }
        }

        IfevalEvaluator.Run run = result.verdicts();
        IfevalAccuracy acc = run.accuracy();
        if (!run.missingKeys().isEmpty()) {
            out.printf("note: %d of %d prompts have no response in %s and are not scored (keys %s)%n",
                    run.missingKeys().size(), prompts.size(), responsesName, run.missingKeys());
        }
        if (run.unmatchedResponses() > 0) {
            out.printf("note: %d responses answer no IFEval prompt and were ignored%n", run.unmatchedResponses());
        }
        out.printf("IFEval on %d prompts, %d instructions%n", acc.prompts(), acc.instructions());
        out.print(acc.report());
        out.println("instruction-level accuracy by group (strict / loose):");
        IfevalAccuracy.byGroup(run.verdicts()).forEach((group, a) ->
                out.printf("  %-20s %6.2f / %6.2f%n", group, 100 * a[0], 100 * a[1]));
        out.printf("wrote %s, %s, results.json, samples.jsonl%s in %s%n", IfevalResultFiles.STRICT, IfevalResultFiles.LOOSE,
                source.model == null ? "" : ", " + GeneratedResponses.FILE, output);
        out.flush();
    }
}
