package dev.mutual.experiments.cli;

import dev.mutual.data.InputFiles;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.alpaca.AlpacaAnnotations;
import dev.mutual.eval.alpaca.AlpacaEvalReport;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.alpaca.AlpacaJudgePrompt;
import dev.mutual.eval.alpaca.AlpacaPrompt;
import dev.mutual.eval.alpaca.Annotation;
import dev.mutual.eval.alpaca.ModelOutput;
import dev.mutual.eval.alpaca.ModelOutputs;
import dev.mutual.eval.judge.CachedChatJudge;
import dev.mutual.eval.judge.OpenAiChatClient;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.run.PairwiseRun;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mutual eval alpaca}: AlpacaEval win rates, either by judging a model_outputs file against a reference
 * through an OpenAI-compatible judge, or by recomputing them from an existing alpaca_eval annotations file.
 * With {@code --model}, the model first answers the 805 AlpacaEval prompts and the answers are written as
 * OUTPUT/model_outputs.json (alpaca_eval's format, readable by the Python tool unchanged); they are then judged when
 * a judge is given. Writes OUTPUT/annotations.json, samples.jsonl and results.json.
 */
@Command(name = "alpaca", mixinStandardHelpOptions = true,
        description = {"AlpacaEval: pairwise win rate (with standard error) and length-controlled win rate against a reference.",
                "Judge:      mutual eval alpaca --outputs MODEL.json --reference REF.json --judge-prompt PROMPT.txt "
                        + "--judge-url URL --judge-model NAME --output DIR",
                "Generate:   mutual eval alpaca --model PATH [--tokenizer FILE] --output DIR [judge options to judge them too]",
                "Recompute:  mutual eval alpaca --annotations annotations.json --output DIR"})
final class EvalAlpacaCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--outputs", paramLabel = "FILE", description = "Model outputs in alpaca_eval's model_outputs.json format.")
    Path outputs;

    @Option(names = "--reference", paramLabel = "FILE",
            description = "Reference outputs, e.g. shared/data/alpaca_eval/model_outputs/gpt4_1106_preview.json (AlpacaEval 2) "
                    + "or text_davinci_003.json (AlpacaEval 1).")
    Path reference;

    @Option(names = "--judge-prompt", paramLabel = "FILE",
            description = "alpaca_eval judge prompt, e.g. shared/data/alpaca_eval/judge_prompts/alpaca_eval_clf_gpt4_turbo__alpaca_eval_clf.txt "
                    + "(AlpacaEval 2, m/M with logprobs) or alpaca_eval_gpt4__alpaca_eval.txt (AlpacaEval 1, ranking).")
    Path judgePrompt;

    @Option(names = "--annotations", paramLabel = "FILE", description = "Recompute the metrics from an alpaca_eval annotations.json instead of judging.")
    Path annotations;

    @ArgGroup(exclusive = false, heading = "Generate the outputs with a model (written as OUTPUT/model_outputs.json):%n")
    ModelOptions model;

    @Mixin
    ModelEvalOptions modelEval;

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "With --model: the AlpacaEval prompts (default: shared/data/alpaca_eval/alpaca_eval_805_prompts.jsonl).")
    Path prompts;

    @Option(names = "--output", paramLabel = "DIR", required = true, description = "Evaluation directory to write.")
    Path output;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for which output the judge sees first (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Mixin
    JudgeOptions judge;

    @Mixin
    RunInfoOptions runInfo;

    @Override
    public void run() {
        InputFiles.requireOutputDirectory(output, "--output " + output);
        int sources = (outputs == null ? 0 : 1) + (annotations == null ? 0 : 1) + (model == null ? 0 : 1);
        if (sources != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give exactly one of --outputs FILE (to judge), --model PATH (to generate, then judge) or --annotations FILE (to recompute)");
        }
        modelEval.check(model != null);
        if (prompts != null && model == null) throw new UserInputException("--prompts needs --model (it names what the model answers)");
        if (model != null) {
            outputs = generateOutputs();
            if (judge.judgeUrl == null) {
                spec.commandLine().getOut().println("wrote " + outputs + "; give --reference, --judge-prompt, --judge-url and "
                        + "--judge-model to judge them (or run alpaca_eval on that file)");
                return;
            }
        }
        EvalResult result = annotations != null ? recompute() : judgeOutputs();
        Map<String, Double> m = result.metrics();
        spec.commandLine().getOut().printf("alpaca_eval: win rate %.2f ± %.2f, length-controlled %.2f, %d judged (%d wins, %d losses, %d draws), %d unparsed%n",
                m.get("win_rate"), m.get("standard_error"), m.get("length_controlled_winrate"), m.get("n_total").intValue(),
                m.get("n_wins").intValue(), m.get("n_wins_base").intValue(), m.get("n_draws").intValue(), m.get("n_unparsed").intValue());
        spec.commandLine().getOut().println("wrote " + output.resolve("results.json"));
    }

    /** How the outputs were generated, when --model generated them; recorded in results.json. */
    private Map<String, Object> generated;

    /** Answers the AlpacaEval prompts with --model (one user turn of the chat template, greedy) into OUTPUT/model_outputs.json. */
    private Path generateOutputs() {
        List<AlpacaPrompt> items = modelEval.limit(AlpacaPrompt.read(
                prompts != null ? prompts : SharedData.file("alpaca_eval/alpaca_eval_805_prompts.jsonl", "--prompts")));
        GenerationSettings generation = modelEval.settings(ModelOutputs.GENERATION);
        Path file = output.resolve(PairwiseRun.OUTPUTS);
        try (ModelOptions.Loaded m = model.load(false)) {
            String name = runInfo.model != null ? runInfo.model : model.model.getFileName().toString();
            PairwiseRun.generate(items, modelEval.generator(m, generation.chat()), generation, name, file);
        }
        generated = new LinkedHashMap<>(modelEval.record(model, generation, items.size()));
        generated.put("responses_file", file.getFileName().toString());
        return file;
    }

    private EvalResult recompute() {
        List<Annotation> read = AlpacaAnnotations.read(annotations);
        String model = read.get(0).generator2();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("annotations", annotations.toString());
        settings.put("annotator", read.get(0).annotator());
        return AlpacaEvalReport.write(output, read, runInfo.toRunInfo(model, "annotations file"), settings);
    }

    private EvalResult judgeOutputs() {
        if (reference == null) throw new UserInputException("--reference FILE is required with --outputs");
        if (judgePrompt == null) throw new UserInputException("--judge-prompt FILE is required with --outputs");
        AlpacaJudgePrompt prompt = AlpacaJudgePrompt.read(judgePrompt);
        List<ModelOutput> modelOutputs = ModelOutputs.read(outputs);
        List<ModelOutput> referenceOutputs = ModelOutputs.read(reference);
        OpenAiChatClient client = judge.client();
        CachedChatJudge cached = judge.cachedJudge(client, output);
        Map<String, Object> settings = new LinkedHashMap<>(judge.settings());
        settings.put("judge", client.label());
        settings.put("judge_prompt", judgePrompt.toString());
        if (generated != null) settings.put("generation", generated);
        EvalResult result = PairwiseRun.judge(modelOutputs, outputs.toString(), referenceOutputs, reference.toString(), cached, prompt,
                seed, judge.maxConcurrency, output, runInfo.toRunInfo(modelOutputs.get(0).generator(), "responses file"), settings,
                () -> Map.of("cache_hits", cached.hits(), "http_requests", client.requestCount())).result();
        spec.commandLine().getOut().printf("judge: %d cached, %d HTTP requests (%d retries)%n", cached.hits(), client.requestCount(), client.retryCount());
        return result;
    }
}
