package dev.mutual.eval.run;

import dev.mutual.data.Progress;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.TextGenerator;
import dev.mutual.eval.ifeval.IfevalEvaluator;
import dev.mutual.eval.ifeval.IfevalPrompt;
import dev.mutual.eval.ifeval.IfevalResultFiles;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An IFEval run: score responses (given, or generated here by a model) and write the evaluation directory:
 * {@code eval_results_strict.jsonl}, {@code eval_results_loose.jsonl}, {@code samples.jsonl}, {@code results.json}
 * and, when generated, {@value GeneratedResponses#FILE}.
 */
public final class IfevalRun {
    private IfevalRun() {}

    /**
     * @param verdicts the per-prompt verdicts, with the prompts that had no response
     * @param outcome  what results.json and samples.jsonl hold
     */
    public record Result(IfevalEvaluator.Run verdicts, EvalOutcome outcome) {}

    /**
     * Scores {@code responses} (prompt text to response) and writes {@code dir}.
     *
     * @param settings what results.json records about the run (files, model, limit), before the scorer's own
     * @param progress where progress lines go (a console, a logger)
     */
    public static Result score(List<IfevalPrompt> prompts, Map<String, String> responses, Path dir, EvalResult.RunInfo run,
                               Map<String, Object> settings, Consumer<String> progress) {
        long answered = prompts.stream().filter(q -> responses.containsKey(q.prompt())).count();
        Progress p = new Progress(progress, "ifeval", answered, "prompts scored", 2000);
        IfevalEvaluator.Run verdicts = IfevalEvaluator.evaluate(prompts, responses, p::update);
        p.finish();
        Map<String, Object> all = new LinkedHashMap<>(settings);
        all.put("language_detector", "com.cybozu.labs:langdetect 1.1-20120112, seed 0");
        return new Result(verdicts, IfevalResultFiles.write(dir, verdicts, run, all));
    }

    /**
     * Generates a response to every prompt with {@code generator} (one user turn of the chat template when
     * {@code generation} is in chat form, as IFEval is), saves them as responses.jsonl (key, prompt, response), then
     * scores them as {@link #score}.
     *
     * @param chatTemplate the template's name, recorded in results.json
     */
    public static Result generateAndScore(List<IfevalPrompt> prompts, TextGenerator generator, GenerationSettings generation,
                                          String chatTemplate, Path dir, EvalResult.RunInfo run, Map<String, Object> settings,
                                          Consumer<String> progress) {
        Progress p = new Progress(progress, "ifeval", prompts.size(), "responses generated", 5000);
        Map<String, String> answers = IfevalEvaluator.generateResponses(prompts, generator, generation, p::update);
        p.finish();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (IfevalPrompt prompt : prompts) rows.add(GeneratedResponses.row("key", prompt.key(), prompt.prompt(), answers.get(prompt.prompt())));
        GeneratedResponses.write(dir, rows);
        Map<String, Object> all = new LinkedHashMap<>(settings);
        all.putAll(GeneratedResponses.settings(generation, chatTemplate));
        return score(prompts, answers, dir, run, all, progress);
    }
}
