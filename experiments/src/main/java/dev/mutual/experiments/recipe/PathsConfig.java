package dev.mutual.experiments.recipe;

/**
 * Where a recipe's outputs go.
 *
 * @param runs the root of run directories; unlike other paths in a recipe it is relative to the current
 *             directory (so runs land where you run from, as with torchtune's output_dir)
 */
public record PathsConfig(@Default("runs") String runs) {

    public PathsConfig {
        if (runs.isBlank()) throw new IllegalArgumentException("paths.runs is empty");
    }
}
