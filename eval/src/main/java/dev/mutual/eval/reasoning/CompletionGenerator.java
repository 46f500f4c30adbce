package dev.mutual.eval.reasoning;

import java.util.List;

/**
 * The generation hook: turns prompts into completions. The trainer's generator implements it; evaluators that
 * take responses as data do not need it.
 */
@FunctionalInterface
public interface CompletionGenerator {
    /** One completion per prompt, in order, generated under {@code settings} (stop strings excluded). */
    List<String> generate(List<String> prompts, GenerationSettings settings);
}
