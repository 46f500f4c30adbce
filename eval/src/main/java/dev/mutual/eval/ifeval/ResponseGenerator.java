package dev.mutual.eval.ifeval;

/**
 * Where responses come from when the evaluator is given a model instead of a responses file. The trainer's
 * generator implements it (greedy decoding with the model's chat template); the evaluator only needs text back.
 */
@FunctionalInterface
public interface ResponseGenerator {
    /** The model's response to one user prompt. */
    String respond(String prompt);
}
