package dev.mutual.eval.ifeval;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.TextGenerator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Runs IFEval: matches responses to prompts by prompt text, scores each, and reports which prompts had no
 * response. The reference scores only prompts it has responses for (its published GPT-4 run covers 540 of 541), so
 * a prompt without a response is left out and listed, not scored as a failure.
 */
public final class IfevalEvaluator {
    private IfevalEvaluator() {}

    /**
     * The verdicts on one set of responses.
     *
     * @param verdicts           one per prompt that has a response, in benchmark order
     * @param missingKeys        keys of benchmark prompts with no response
     * @param unmatchedResponses responses whose prompt is not in the benchmark (ignored)
     */
    public record Run(List<IfevalVerdict> verdicts, List<Integer> missingKeys, int unmatchedResponses) {
        public Run {
            verdicts = List.copyOf(verdicts);
            missingKeys = List.copyOf(missingKeys);
        }

        public IfevalAccuracy accuracy() {
            return IfevalAccuracy.of(verdicts);
        }
    }

    /**
     * Scores {@code responses} (prompt text to response) against {@code prompts}; {@code progress} receives the
     * number of prompts done after each one.
     *
     * @throws UserInputException when no response matches any prompt (a responses file for another benchmark)
     */
    public static Run evaluate(List<IfevalPrompt> prompts, Map<String, String> responses, IntConsumer progress) {
        List<IfevalVerdict> verdicts = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        int matched = 0;
        for (int i = 0; i < prompts.size(); i++) {
            IfevalPrompt p = prompts.get(i);
            String response = responses.get(p.prompt());
            if (response == null) {
                missing.add(p.key());
            } else {
                matched++;
                verdicts.add(IfevalScorer.score(p, response));
                progress.accept(matched); // prompts scored: those without a response are not counted
            }
        }
        if (matched == 0) {
            throw new UserInputException("none of the " + responses.size() + " responses answers one of the " + prompts.size()
                    + " IFEval prompts (responses are matched by exact prompt text; expected e.g. \""
                    + abbreviate(prompts.get(0).prompt()) + "\")");
        }
        return new Run(verdicts, missing, responses.size() - matched);
    }

    /** Prompts per generator call: large enough to batch, small enough to report progress. */
    static final int CHUNK = 16;

    /**
     * How IFEval responses are generated: each prompt as one user turn of the chat template, greedy, up to 1024
     * new tokens (room for the longest length constraints, "at least 800 words"), no stop strings (the end-of-turn
     * token ends a reply).
     */
    public static final GenerationSettings GENERATION = GenerationSettings.greedy(1024, List.of(), true);

    /**
     * Asks {@code generator} for a response to every prompt, in order, {@link #CHUNK} at a time; the result
     * (prompt text to response) feeds {@link #evaluate}.
     */
    public static Map<String, String> generateResponses(List<IfevalPrompt> prompts, TextGenerator generator,
                                                        GenerationSettings settings, IntConsumer progress) {
        Map<String, String> responses = new LinkedHashMap<>();
        for (int from = 0; from < prompts.size(); from += CHUNK) {
            List<String> chunk = prompts.subList(from, Math.min(prompts.size(), from + CHUNK)).stream().map(IfevalPrompt::prompt).toList();
            List<String> answers = generator.generate(chunk, settings);
            if (answers.size() != chunk.size()) {
                throw new IllegalStateException("generator returned " + answers.size() + " responses for " + chunk.size() + " prompts");
            }
            for (int i = 0; i < chunk.size(); i++) responses.put(chunk.get(i), answers.get(i));
            progress.accept(responses.size());
        }
        return responses;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
