package dev.mutual.experiments.recipe;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An evaluation file whose prompts must not leak into training data.
 *
 * @param path the file (IFEval, AlpacaEval, MT-Bench, GSM8K... prompt files), relative to the recipe's directory
 * @param name the name reported in stats, or null for the name of the folder holding the file
 */
public record EvalSetConfig(Path path, @Default("null") String name) {

    public EvalSetConfig {
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("path: no such file " + path);
    }
}
