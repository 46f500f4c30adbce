package dev.mutual.experiments.recipe;

import java.nio.file.Path;

/**
 * Where a recipe value came from, so that every error can point at it.
 *
 * @param source  the recipe file, or a description such as {@code override 'seed=3'}
 * @param line    1-based line in {@code source}, or 0 when the value did not come from a file
 * @param column  1-based column, or 0
 * @param baseDir the directory relative paths written here resolve against: the recipe file's directory for
 *                values in the file, the current directory for command-line overrides
 */
public record Location(String source, int line, int column, Path baseDir) {

    @Override
    public String toString() {
        return line > 0 ? source + ":" + line + ":" + column : source;
    }
}
