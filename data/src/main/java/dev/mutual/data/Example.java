package dev.mutual.data;

import java.util.List;
import java.util.Objects;

/**
 * One item read from a dataset: an instruction-response pair (a seed pair) or an unlabelled response.
 *
 * <p>A <b>pair</b> has a non-null {@code instruction} and a {@code response}. An <b>unlabelled</b> item (a
 * candidate response from the unlabelled pool, e.g. a web paragraph or an assistant reply whose prompt is hidden)
 * has {@code instruction == null} and only a {@code response}. Where an unlabelled pool knows the instruction that
 * produced the response (alpaca_gpt4_demo, alpaca_cleaned_52k, oasst replies), it is kept in
 * {@code goldInstruction} to measure backtranslation quality later; it is never used as the instruction.
 *
 * @param id              the record's id in its file, or {@code FILE_STEM-LINE} when the file has none
 * @param instruction     the instruction (first user turn for multi-turn data); null for an unlabelled item
 * @param input           alpaca {@code input} / dolly {@code context}: extra text that goes with the instruction; "" when none
 * @param response        the response (first assistant turn for multi-turn data); never blank
 * @param goldInstruction the hidden true instruction of an unlabelled item; null when unknown or for pairs
 * @param category        dataset category (dolly {@code category}, e.g. "open_qa"); null when none
 * @param sourceFile      the file the item was read from, as given
 * @param line            1-based line of the record in that file (for a JSON array: the line its object starts on)
 * @param turns           the whole conversation of a multi-turn record, in order; empty for single-turn records
 * @param weight          the example's loss weight in training (MAIN's weighted retraining), finite and >= 0; 1 unless
 *                        the record carries a {@code weight} field; 0 means the example contributes nothing
 */
public record Example(String id, String instruction, String input, String response, String goldInstruction,
                      String category, String sourceFile, long line, List<Turn> turns, double weight)
        implements java.io.Serializable { // shipped to Spark executors by prepare_data's runner: spark

    /** One message of a multi-turn conversation; role is "user", "assistant" or "system". */
    public record Turn(String role, String content) implements java.io.Serializable {
        public Turn {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    public Example {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(response, "response");
        input = input == null ? "" : input;
        turns = turns == null ? List.of() : List.copyOf(turns);
        if (instruction != null && goldInstruction != null) {
            throw new IllegalArgumentException("a pair keeps no goldInstruction (id " + id + ")");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be finite and >= 0, got " + weight + " (id " + id + ")");
        }
    }

    /** An example of weight 1. */
    public Example(String id, String instruction, String input, String response, String goldInstruction,
                   String category, String sourceFile, long line, List<Turn> turns) {
        this(id, instruction, input, response, goldInstruction, category, sourceFile, line, turns, 1.0);
    }

    /** This example with another loss weight. */
    public Example withWeight(double weight) {
        return new Example(id, instruction, input, response, goldInstruction, category, sourceFile, line, turns, weight);
    }

    /** A single-turn instruction-response pair. */
    public static Example pair(String id, String instruction, String input, String response, String category,
                               String sourceFile, long line) {
        return new Example(id, Objects.requireNonNull(instruction, "instruction"), input, response, null, category,
                sourceFile, line, List.of());
    }

    /** An unlabelled response; {@code goldInstruction} may be null. */
    public static Example unlabelled(String id, String response, String goldInstruction, String sourceFile, long line) {
        return new Example(id, null, "", response, goldInstruction, null, sourceFile, line, List.of());
    }

    /** True for an instruction-response pair, false for an unlabelled response. */
    public boolean isPair() {
        return instruction != null;
    }

    /** The instruction followed by the input (blank line between), as a model would see it; "" when unlabelled. */
    public String fullInstruction() {
        if (instruction == null) return "";
        return input.isEmpty() ? instruction : instruction + "\n\n" + input;
    }
}
