package dev.mutual.experiments.recipe;

import java.util.List;

/**
 * Drops a training example whose instruction, input or response shares a word n-gram with an evaluation
 * prompt, so evaluation measures generalisation rather than memorisation (13-grams as in GPT-3's contamination
 * analysis and lm-evaluation-harness).
 *
 * @param enabled        run it (nothing to do when {@code evalSets} is empty)
 * @param ngram          n-gram length in words
 * @param minPromptWords eval prompts shorter than {@code ngram} words are matched whole when they have at least
 *                       this many words; 0 turns that off
 * @param evalSets       the evaluation files
 */
public record DecontaminationConfig(
        @Default("true") boolean enabled,
        @Default("13") int ngram,
        @Default("6") int minPromptWords,
        @Default("[]") List<EvalSetConfig> evalSets) {

    public DecontaminationConfig {
        if (ngram < 1) throw new IllegalArgumentException("ngram: expected >= 1, found " + ngram);
        if (minPromptWords < 0) throw new IllegalArgumentException("min_prompt_words: expected >= 0, found " + minPromptWords);
    }
}
