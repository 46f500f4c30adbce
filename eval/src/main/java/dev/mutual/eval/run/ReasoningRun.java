package dev.mutual.eval.run;

import dev.mutual.eval.TextGenerator;
import dev.mutual.eval.reasoning.ReasoningEvaluator;
import dev.mutual.eval.reasoning.ReasoningItem;
import dev.mutual.eval.reasoning.ReasoningTask;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalSample;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chain-of-thought run (GSM8K, StrategyQA): score responses (given, or generated here from the few-shot prompts as
 * raw text) by exact match and write the evaluation directory.
 */
public final class ReasoningRun {
    private ReasoningRun() {}

    /**
     * The first {@code limit} items that are scored (all when limit is 0); items used as exemplars of the prompt are
     * never scored, so they do not count.
     */
    public static List<ReasoningItem> limit(ReasoningTask task, List<ReasoningItem> all, int limit) {
        if (limit <= 0) return all;
        List<ReasoningItem> scored = all.stream().filter(i -> !task.isExemplar(i)).toList();
        return limit >= scored.size() ? scored : scored.subList(0, limit);
    }

    /**
     * Scores {@code responses} (item id to raw response) and writes {@code dir}.
     *
     * @param settings added to the evaluator's settings in results.json (files, model, limit)
     */
    public static EvalOutcome score(ReasoningTask task, List<ReasoningItem> items, Map<String, String> responses, Path dir,
                                    EvalResult.RunInfo run, Map<String, Object> settings) {
        return ReasoningEvaluator.score(task, items, responses, run).withSettings(settings).writeTo(dir);
    }

    /**
     * Generates a response for every scored item with {@code generator} (the few-shot prompt continued as raw text),
     * saves them as responses.jsonl (id, prompt, response), scores them and writes {@code dir}.
     */
    public static EvalOutcome generateAndScore(ReasoningTask task, List<ReasoningItem> items, TextGenerator generator, Path dir,
                                               EvalResult.RunInfo run, Map<String, Object> settings) {
        EvalOutcome outcome = ReasoningEvaluator.generateAndScore(task, items, generator, run);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (EvalSample s : outcome.samples()) rows.add(GeneratedResponses.row("id", s.id(), s.prompt(), s.response()));
        GeneratedResponses.write(dir, rows);
        Map<String, Object> all = new LinkedHashMap<>(settings);
        all.putAll(GeneratedResponses.settings(task.generation(), null));
        return outcome.withSettings(all).writeTo(dir);
    }
}
