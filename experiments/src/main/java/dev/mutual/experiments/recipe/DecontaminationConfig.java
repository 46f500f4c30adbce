package dev.mutual.experiments.recipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Drops training examples that share a word n-gram with an evaluation prompt, so evaluation measures
 * generalisation rather than memorisation (13-grams, as in GPT-3's contamination analysis).
 *
 * @param enabled  run it
 * @param ngram    words per n-gram
 * @param evalSets evaluation files (any readable format) whose prompts must not leak into training data
 */
public record DecontaminationConfig(
        @Default("false") boolean enabled,
        @Default("13") int ngram,
        @Default("[]") List<Path> evalSets) {

    public DecontaminationConfig {
        if (ngram <= 0) throw new IllegalArgumentException("ngram must be positive, found " + ngram);
        if (enabled && evalSets.isEmpty()) throw new IllegalArgumentException("enabled is true but eval_sets is empty");
        for (Path p : evalSets) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("eval_sets: no such file " + p);
        }
    }
}
