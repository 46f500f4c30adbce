package dev.mutual.eval.reasoning;

import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.GenerationSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A chain-of-thought benchmark, in the spirit of an lm-evaluation-harness task file: prompt format, few-shot
 * exemplars, generation settings, two named answer extractions reported side by side, normalisation, metric
 * and version. Prompts read "Q: ...\nA: ..." blocks separated by a blank line, ending in "Q: {question}\nA:".
 *
 * @param name           benchmark name in results.json, e.g. "gsm8k"
 * @param dataset        how the dataset's lines hold question and answer
 * @param version        bump when prompts, extraction or metric change
 * @param questionPrefix put before each question inside "Q: ", e.g. "Yes or no: " for StrategyQA
 * @param exemplars      the demonstrations, of which the first {@code numFewshot} are used
 * @param numFewshot     number of exemplars in each prompt (0 = zero-shot)
 * @param generation     decoding settings and stop strings
 * @param extractions    answer extractions; each gives metric {@code exact_match_<name>}; the first is primary
 * @param normalizer     applied to extracted answers and targets before exact match
 */
public record ReasoningTask(String name, ReasoningDataset dataset, int version, String questionPrefix, List<CotExemplar> exemplars, int numFewshot,
                           GenerationSettings generation, List<AnswerExtraction> extractions, AnswerNormalizer normalizer) {
    public ReasoningTask {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataset, "dataset");
        exemplars = List.copyOf(exemplars);
        extractions = List.copyOf(extractions);
        if (numFewshot < 0 || numFewshot > exemplars.size()) {
            throw new UserInputException("--num-fewshot for " + name + " must be between 0 and " + exemplars.size()
                    + " (the exemplars available), got " + numFewshot);
        }
        if (extractions.isEmpty()) throw new IllegalArgumentException("a task needs at least one answer extraction");
    }

    /**
     * GSM8K with the 8 chain-of-thought exemplars of Wei et al. 2022, as in the harness's
     * {@code gsm8k-cot}: stop at "Q:", "&lt;/s&gt;", "&lt;|im_end|&gt;"; greedy; 256 new tokens.
     */
    public static ReasoningTask gsm8k(int numFewshot) {
        return new ReasoningTask("gsm8k", ReasoningDataset.GSM8K, 1, "", CotExemplars.GSM8K, numFewshot,
                GenerationSettings.greedy(256, List.of("Q:", "</s>", "<|im_end|>"), false),
                List.of(AnswerExtraction.gsm8kStrict(), AnswerExtraction.gsm8kFlexible()), AnswerNormalizer.numbers());
    }

    /**
     * StrategyQA with the 6 chain-of-thought exemplars of Wei et al. 2022, each question prefixed
     * "Yes or no: "; answers end "So the answer is yes/no.". Items whose question is one of the exemplars in the
     * prompt are left out of the evaluation (the exemplars come from this same set).
     */
    public static ReasoningTask strategyQa(int numFewshot) {
        return new ReasoningTask("strategyqa", ReasoningDataset.STRATEGYQA, 1, "Yes or no: ", CotExemplars.STRATEGYQA, numFewshot,
                GenerationSettings.greedy(256, List.of("Q:", "</s>", "<|im_end|>"), false),
                List.of(AnswerExtraction.yesNoStrict(), AnswerExtraction.yesNoFlexible()), AnswerNormalizer.caseOnly());
    }

    /** The same task generating under {@code settings} (e.g. a smaller --max-new-tokens). */
    public ReasoningTask withGeneration(GenerationSettings settings) {
        return new ReasoningTask(name, dataset, version, questionPrefix, exemplars, numFewshot, settings, extractions, normalizer);
    }

    /** The metric name of an extraction, e.g. "exact_match_strict-match". */
    public static String metricName(AnswerExtraction extraction) {
        return "exact_match_" + extraction.name();
    }

    public String primaryMetric() {
        return metricName(extractions.get(0));
    }

    /** The few-shot prompt for one question: exactly {@code numFewshot} demonstrations, then the question. */
    public String prompt(String question) {
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < numFewshot; i++) {
            CotExemplar e = exemplars.get(i);
            p.append("Q: ").append(questionPrefix).append(e.question()).append("\nA: ").append(e.answer()).append("\n\n");
        }
        return p.append("Q: ").append(questionPrefix).append(question).append("\nA:").toString();
    }

    /** Whether an item's question is one of the demonstrations in the prompt (and so must not be scored). */
    public boolean isExemplar(ReasoningItem item) {
        String q = squash(item.question());
        for (int i = 0; i < numFewshot; i++) {
            if (squash(exemplars.get(i).question()).equals(q)) return true;
        }
        return false;
    }

    private static String squash(String s) {
        return s.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** Reads the task's dataset (see {@link ReasoningDataset}); ids must be unique. */
    public List<ReasoningItem> readItems(Path file) {
        List<ReasoningItem> items = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (JsonLines.Line line : JsonLines.read(file, "the " + name + " dataset, JSON lines with a \"question\"")) {
            String where = line.where() + ": ";
            ReasoningItem item = dataset.parse(line.node(), items.size(), where);
            Integer before = seen.put(item.id(), line.number());
            if (before != null) throw new UserInputException(where + "id '" + item.id() + "' already used on line " + before);
            items.add(item);
        }
        if (items.isEmpty()) throw new UserInputException(file + ": no items (expected JSON lines with a \"question\")");
        return items;
    }
}
