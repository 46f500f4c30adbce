package dev.mutual.eval.ifeval;

import java.util.List;
import java.util.Objects;

/**
 * One IFEval prompt: a line of {@code input_data.jsonl} with its instructions built from their kwargs.
 *
 * @param key          the dataset's key (e.g. 1000), stable across versions; samples are identified by it
 * @param prompt       the text given to the model
 * @param instructions the verifiable instructions, in the dataset's order
 */
public record IfevalPrompt(int key, String prompt, List<Instruction> instructions) {
    public IfevalPrompt {
        Objects.requireNonNull(prompt, "prompt");
        instructions = List.copyOf(instructions);
        if (instructions.isEmpty()) throw new IllegalArgumentException("prompt " + key + " has no instructions");
    }

    /** The instruction ids, e.g. ["punctuation:no_comma", "length_constraints:number_words"]. */
    public List<String> instructionIds() {
        return instructions.stream().map(Instruction::id).toList();
    }
}
