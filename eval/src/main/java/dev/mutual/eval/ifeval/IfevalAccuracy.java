package dev.mutual.eval.ifeval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IFEval's four numbers (evaluation_main.py {@code print_report}): prompt-level accuracy is the share of prompts
 * whose every instruction is followed; instruction-level accuracy is the share of all instructions followed,
 * pooled over prompts. Values are fractions in [0, 1].
 */
public record IfevalAccuracy(double promptStrict, double instructionStrict, double promptLoose, double instructionLoose,
                             int prompts, int instructions) {
    public static final String PROMPT_STRICT = "prompt_level_strict_acc";
    public static final String INSTRUCTION_STRICT = "inst_level_strict_acc";
    public static final String PROMPT_LOOSE = "prompt_level_loose_acc";
    public static final String INSTRUCTION_LOOSE = "inst_level_loose_acc";

    public IfevalAccuracy {
        if (prompts <= 0) throw new IllegalArgumentException("no prompts were scored");
    }

    public static IfevalAccuracy of(List<IfevalVerdict> verdicts) {
        int prompts = 0, instructions = 0, promptStrict = 0, promptLoose = 0, instStrict = 0, instLoose = 0;
        for (IfevalVerdict v : verdicts) {
            prompts++;
            instructions += v.strict().size();
            if (v.followsAllStrict()) promptStrict++;
            if (v.followsAllLoose()) promptLoose++;
            for (boolean b : v.strict()) if (b) instStrict++;
            for (boolean b : v.loose()) if (b) instLoose++;
        }
        return new IfevalAccuracy((double) promptStrict / prompts, (double) instStrict / instructions,
                (double) promptLoose / prompts, (double) instLoose / instructions, prompts, instructions);
    }

    /**
     * Instruction-level accuracy per instruction group (the id before ':', e.g. "keywords"), as the reference's
     * report lists it: group to {strict, loose}, sorted by group.
     */
    public static java.util.SortedMap<String, double[]> byGroup(List<IfevalVerdict> verdicts) {
        java.util.SortedMap<String, int[]> counts = new java.util.TreeMap<>();
        for (IfevalVerdict v : verdicts) {
            List<String> ids = v.prompt().instructionIds();
            for (int i = 0; i < ids.size(); i++) {
                int[] c = counts.computeIfAbsent(ids.get(i).substring(0, ids.get(i).indexOf(':')), k -> new int[3]);
                c[0]++;
                if (v.strict().get(i)) c[1]++;
                if (v.loose().get(i)) c[2]++;
            }
        }
        java.util.SortedMap<String, double[]> out = new java.util.TreeMap<>();
        counts.forEach((group, c) -> out.put(group, new double[] {(double) c[1] / c[0], (double) c[2] / c[0]}));
        return out;
    }

    /** The metrics of {@code results.json}, named as in lm-evaluation-harness's ifeval task. */
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(PROMPT_STRICT, promptStrict);
        m.put(INSTRUCTION_STRICT, instructionStrict);
        m.put(PROMPT_LOOSE, promptLoose);
        m.put(INSTRUCTION_LOOSE, instructionLoose);
        return m;
    }

    /** Four lines, in percent with two decimals, as the paper reports them. */
    public String report() {
        return String.format(java.util.Locale.ROOT,
                "prompt-level strict accuracy:      %6.2f%n"
                        + "instruction-level strict accuracy: %6.2f%n"
                        + "prompt-level loose accuracy:       %6.2f%n"
                        + "instruction-level loose accuracy:  %6.2f%n",
                100 * promptStrict, 100 * instructionStrict, 100 * promptLoose, 100 * instructionLoose);
    }
}
