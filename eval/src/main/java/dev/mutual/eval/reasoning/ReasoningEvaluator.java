package dev.mutual.eval.reasoning;

import dev.mutual.data.AtomicFile;
import dev.mutual.data.Progress;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.eval.TextGenerator;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalSample;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores chain-of-thought responses: each response is cut at the task's stop strings, every extraction pulls an
 * answer from it, and exact match against the normalised target gives one 0/1 score per extraction. The summary
 * metric {@code exact_match_<extraction>} is the mean of the per-item scores of the same name.
 */
public final class ReasoningEvaluator {
    private static final Logger log = LoggerFactory.getLogger(ReasoningEvaluator.class);

    private ReasoningEvaluator() {}

    /**
     * Scores the items that have a response; items that are exemplars of the prompt are skipped.
     *
     * @param responses item id to raw response (see {@link ResponsesFile})
     */
    public static EvalOutcome score(ReasoningTask task, List<ReasoningItem> items, Map<String, String> responses,
                                EvalResult.RunInfo run) {
        List<EvalSample> samples = new ArrayList<>();
        double[] sums = new double[task.extractions().size()];
        List<String> skippedExemplars = new ArrayList<>();
        int unanswered = 0;
        for (ReasoningItem item : items) {
            if (task.isExemplar(item)) {
                if (responses.containsKey(item.id())) skippedExemplars.add(item.id());
                continue;
            }
            String raw = responses.get(item.id());
            if (raw == null) {
                unanswered++;
                continue;
            }
            String answerText = task.generation().cutAtStop(raw);
            Map<String, Double> scores = new LinkedHashMap<>();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("question", item.question());
            details.put("target", item.target());
            if (answerText.length() != raw.length()) details.put("cut_at_stop", answerText);
            for (int e = 0; e < task.extractions().size(); e++) {
                AnswerExtraction extraction = task.extractions().get(e);
                String extracted = extraction.extract(answerText);
                double score = task.normalizer().exactMatch(extracted, item.target());
                scores.put(ReasoningTask.metricName(extraction), score);
                details.put("extracted_" + extraction.name(), extracted);
                sums[e] += score;
            }
            samples.add(new EvalSample(item.id(), task.prompt(item.question()), raw, scores, details));
        }
        if (samples.isEmpty()) {
            throw new dev.mutual.data.UserInputException("no responses answer a scored item of " + task.name()
                    + " (" + items.size() + " items, " + responses.size() + " responses)");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int e = 0; e < sums.length; e++) {
            metrics.put(ReasoningTask.metricName(task.extractions().get(e)), sums[e] / samples.size());
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("num_fewshot", task.numFewshot());
        settings.put("max_new_tokens", task.generation().maxNewTokens());
        settings.put("temperature", task.generation().temperature());
        settings.put("stop", task.generation().stop());
        settings.put("dataset_items", items.size());
        settings.put("unanswered_items", unanswered);
        settings.put("exemplar_items_skipped", skippedExemplars);
        return new EvalOutcome(new EvalResult(task.name(), task.version(), metrics, task.primaryMetric(), samples.size(),
                run, settings), samples);
    }

    /** Prompts per generator call: large enough to batch, small enough to report progress. */
    static final int CHUNK = 16;

    /**
     * Generates a response for every scored item with {@code generator}, {@link #CHUNK} prompts at a time, logging
     * done/total, rate, ETA and the running primary metric, then scores them.
     */
    public static EvalOutcome generateAndScore(ReasoningTask task, List<ReasoningItem> items, TextGenerator generator,
                                               EvalResult.RunInfo run) {
        List<ReasoningItem> scored = items.stream().filter(i -> !task.isExemplar(i)).toList();
        Map<String, String> responses = new LinkedHashMap<>();
        AnswerExtraction primary = task.extractions().get(0);
        double correct = 0;
        Progress progress = new Progress(log, task.name(), scored.size(), "generated", 5000);
        for (int from = 0; from < scored.size(); from += CHUNK) {
            List<ReasoningItem> chunk = scored.subList(from, Math.min(scored.size(), from + CHUNK));
            List<String> prompts = chunk.stream().map(i -> task.prompt(i.question())).toList();
            List<String> completions = generator.generate(prompts, task.generation());
            if (completions.size() != prompts.size()) {
                throw new IllegalStateException("generator returned " + completions.size() + " completions for " + prompts.size() + " prompts");
            }
            for (int i = 0; i < chunk.size(); i++) {
                responses.put(chunk.get(i).id(), completions.get(i));
                String answer = primary.extract(task.generation().cutAtStop(completions.get(i)));
                correct += task.normalizer().exactMatch(answer, chunk.get(i).target());
            }
            progress.update(responses.size(), String.format(Locale.ROOT, "running %s %.4f", task.primaryMetric(), correct / responses.size()));
        }
        progress.finish();
        return score(task, items, responses, run);
    }

    /**
     * Writes one JSON line per scored item, {"id", "index", "question", "prompt", "stop"} (no target, so nothing leaks into generation), so responses can
     * be generated elsewhere; add a "response" field to each line and pass the file back as responses.
     */
    public static int writePrompts(ReasoningTask task, List<ReasoningItem> items, Path file) {
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder();
        int n = 0;
        try {
            for (ReasoningItem item : items) {
                if (task.isExemplar(item)) continue;
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("id", item.id());
                line.put("index", item.index());
                line.put("question", item.question());
                line.put("prompt", task.prompt(item.question()));
                line.put("stop", task.generation().stop());
                out.append(json.writeValueAsString(line)).append('\n');
                n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AtomicFile.writeString(file, out.toString());
        return n;
    }
}
