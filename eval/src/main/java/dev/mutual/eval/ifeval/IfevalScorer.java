package dev.mutual.eval.ifeval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Strict and loose verdicts, as google-research {@code evaluation_main.py} computes them
 * ({@code test_instruction_following_strict} / {@code _loose}). An empty (all-whitespace) response follows
 * nothing. Loose accuracy is an upper bound that forgives markdown and a leading or trailing line ("Sure, here
 * is..."): an instruction counts as followed if any of eight variants follows it, namely the response, the response
 * with its first line, its last line or both removed, and each of those four with every {@code *} removed.
 */
public final class IfevalScorer {
    private IfevalScorer() {}

    /** Scores one response against all instructions of its prompt. */
    public static IfevalVerdict score(IfevalPrompt prompt, String response) {
        List<String> variants = looseVariants(response);
        List<Boolean> strict = new ArrayList<>();
        List<Boolean> loose = new ArrayList<>();
        for (Instruction instruction : prompt.instructions()) {
            strict.add(follows(instruction, response));
            boolean any = false;
            for (String variant : variants) {
                if (follows(instruction, variant)) {
                    any = true;
                    break;
                }
            }
            loose.add(any);
        }
        return new IfevalVerdict(prompt, response, strict, loose);
    }

    private static boolean follows(Instruction instruction, String response) {
        return !PythonText.strip(response).isEmpty() && instruction.isFollowedBy(response);
    }

    /** The eight responses the loose mode tries, in the reference's order. */
    static List<String> looseVariants(String response) {
        List<String> lines = Arrays.asList(response.split("\n", -1));
        String removeFirst = PythonText.strip(String.join("\n", lines.subList(Math.min(1, lines.size()), lines.size())));
        String removeLast = PythonText.strip(String.join("\n", lines.subList(0, Math.max(0, lines.size() - 1))));
        String removeBoth = lines.size() < 2 ? "" : PythonText.strip(String.join("\n", lines.subList(1, lines.size() - 1)));
        return List.of(response, response.replace("*", ""), removeFirst, removeLast, removeBoth,
                removeFirst.replace("*", ""), removeLast.replace("*", ""), removeBoth.replace("*", ""));
    }
}
