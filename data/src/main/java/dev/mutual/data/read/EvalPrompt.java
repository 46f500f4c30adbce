package dev.mutual.data.read;

import java.util.Objects;

/**
 * One prompt of an evaluation set, as decontamination needs it.
 *
 * @param evalSet the eval set's name (e.g. "ifeval", "alpaca_eval")
 * @param id      the prompt's id in its file (IFEval key, question_id/turn, line number when none)
 * @param text    the prompt text the model is asked (instruction plus input where the set has one)
 */
public record EvalPrompt(String evalSet, String id, String text) {
    public EvalPrompt {
        Objects.requireNonNull(evalSet, "evalSet");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
    }
}
