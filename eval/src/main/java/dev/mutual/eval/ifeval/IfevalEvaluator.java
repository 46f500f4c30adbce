package dev.mutual.eval.ifeval;

import dev.mutual.data.UserInputException;

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
            }
            progress.accept(i + 1);
        }
        if (matched == 0) {
            throw new UserInputException("none of the " + responses.size() + " responses answers one of the " + prompts.size()
                    + " IFEval prompts (responses are matched by exact prompt text; expected e.g. \""
                    + abbreviate(prompts.get(0).prompt()) + "\")");
        }
        return new Run(verdicts, missing, responses.size() - matched);
    }

    /** Asks {@code generator} for a response to every prompt, in order; the result feeds {@link #evaluate}. */
    public static Map<String, String> generateResponses(List<IfevalPrompt> prompts, ResponseGenerator generator,
                                                        IntConsumer progress) {
        Map<String, String> responses = new LinkedHashMap<>();
        for (int i = 0; i < prompts.size(); i++) {
            responses.put(prompts.get(i).prompt(), generator.respond(prompts.get(i).prompt()));
            progress.accept(i + 1);
        }
        return responses;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
