package dev.mutual.eval.alpaca;

/**
 * The generation hook: whatever answers an instruction (the trainer's generator implements it for a model
 * checkpoint). Used by {@link ModelOutputs#generate} to produce alpaca_eval {@code model_outputs.json}.
 */
@FunctionalInterface
public interface OutputGenerator {
    /** The response to one AlpacaEval instruction (a single user turn, no system prompt). */
    String respond(String instruction);
}
