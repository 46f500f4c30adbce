package dev.mutual.eval;

import java.util.List;

/**
 * The one generation hook of every evaluator that needs a model's text (IFEval, GSM8K, StrategyQA, AlpacaEval):
 * prompts in, one completion per prompt out. {@code ModelTextGenerator} implements it over the trainer's
 * generator; tests implement it with fixed answers. Evaluators given responses as data do not need it.
 */
@FunctionalInterface
public interface TextGenerator {
    /**
     * One completion per prompt, in order, generated under {@code settings}; text from the first stop string on is
     * not included. With {@link GenerationSettings#chat()} each prompt is one user turn wrapped in the chat
     * template, otherwise it is raw text continued as is.
     */
    List<String> generate(List<String> prompts, GenerationSettings settings);
}
