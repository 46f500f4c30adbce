package dev.mutual.eval.reasoning;

import dev.mutual.eval.text.PythonRegex;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named way of pulling the final answer out of a chain of thought, after lm-evaluation-harness's
 * {@code RegexFilter} + {@code take_first}: find all matches of {@code pattern}, keep the first or the last,
 * and of that match the first non-empty capturing group (or the whole match when the pattern has no group).
 * No match gives {@link #INVALID}, which never equals a target. Patterns are written as in the Python reference
 * and compiled by {@link PythonRegex}, so they read text as Python's {@code re} does (line ends, Unicode
 * whitespace, word boundaries, case); the answer is stripped as Python's {@code str.strip()} strips.
 *
 * @param name    reported beside the metric, e.g. "strict-match", "flexible-extract"
 * @param pattern the regular expression
 * @param last    take the last match (harness {@code group_select: -1}) instead of the first
 */
public record AnswerExtraction(String name, Pattern pattern, boolean last) {
    /** What the harness returns when nothing matches. */
    public static final String INVALID = "[invalid]";

    public AnswerExtraction {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pattern, "pattern");
    }

    /**
     * GSM8K CoT strict match (harness {@code gsm8k-cot.yaml}): the number after "The answer is", followed by one
     * more character. Kept as the harness has it: "The answer is 18" at the very end of a response yields "1",
     * because the trailing "." of the pattern is any character; with the stop strings a response normally ends
     * "The answer is 18." and this does not arise.
     */
    public static AnswerExtraction gsm8kStrict() {
        return new AnswerExtraction("strict-match", PythonRegex.compile("The answer is (\\-?[0-9\\.\\,]+).", false), false);
    }

    /** GSM8K flexible extract (harness): the last number-like run, with "$", "," and "." allowed inside. */
    public static AnswerExtraction gsm8kFlexible() {
        return new AnswerExtraction("flexible-extract", PythonRegex.compile("(-?[$0-9.,]{2,})|(-?[0-9]+)", false), true);
    }

    /** StrategyQA strict match: the yes/no after "answer is", as in the exemplars' "So the answer is yes.". */
    public static AnswerExtraction yesNoStrict() {
        return new AnswerExtraction("strict-match", PythonRegex.compile("answer is:?\\s*\\**\\s*(yes|no)\\b", true),
                false);
    }

    /** StrategyQA flexible extract: the last standalone "yes" or "no" anywhere in the text. */
    public static AnswerExtraction yesNoFlexible() {
        return new AnswerExtraction("flexible-extract", PythonRegex.compile("\\b(yes|no)\\b", true), true);
    }

    /** The extracted answer text (stripped), or {@link #INVALID}. */
    public String extract(String response) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(response);
        while (m.find()) {
            String value = m.group();
            for (int g = 1; g <= m.groupCount(); g++) {
                if (m.group(g) != null && !m.group(g).isEmpty()) {
                    value = m.group(g);
                    break;
                }
            }
            found.add(value);
        }
        if (found.isEmpty()) return INVALID;
        return PythonRegex.strip(last ? found.get(found.size() - 1) : found.get(0));
    }
}
