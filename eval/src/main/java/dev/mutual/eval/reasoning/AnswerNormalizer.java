package dev.mutual.eval.reasoning;

import dev.mutual.eval.text.PythonRegex;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Normalises an extracted answer and a target before exact match, as the harness's {@code exact_match} metric
 * does with {@code regexes_to_ignore} and {@code ignore_case}: each pattern is deleted from both strings, then
 * both are lower-cased. For GSM8K the patterns drop thousands separators, "$", everything up to a "#### " and
 * one trailing "." (so "$1,200." matches "1200"); "18.00" still differs from "18", as in the harness. The
 * patterns are compiled by {@link PythonRegex} ("$" is the end or a final "\n" only, as in Python) and lower-casing
 * is {@code toLowerCase(Locale.ROOT)}, which agrees with Python's {@code str.lower()} on the fixture's cases.
 *
 * @param ignored patterns deleted, in order
 */
public record AnswerNormalizer(List<Pattern> ignored) {
    public AnswerNormalizer {
        ignored = List.copyOf(ignored);
    }

    /** GSM8K's {@code regexes_to_ignore: [",", "\\$", "(?s).*#### ", "\\.$"]}. */
    public static AnswerNormalizer numbers() {
        return new AnswerNormalizer(List.of(PythonRegex.compile(",", false), PythonRegex.compile("\\$", false),
                PythonRegex.compile("(?s).*#### ", false), PythonRegex.compile("\\.$", false)));
    }

    /** Yes/no answers: case only. */
    public static AnswerNormalizer caseOnly() {
        return new AnswerNormalizer(List.of());
    }

    public String normalize(String answer) {
        String s = answer;
        for (Pattern p : ignored) s = p.matcher(s).replaceAll("");
        return s.toLowerCase(Locale.ROOT);
    }

    /** 1 when the normalised prediction equals the normalised target, else 0. */
    public double exactMatch(String prediction, String target) {
        return normalize(prediction).equals(normalize(target)) ? 1.0 : 0.0;
    }
}
