package dev.mutual.experiments.recipe;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One data file to read.
 *
 * @param path        a JSON or JSONL file, relative to the recipe file's directory
 * @param format      the record format, or null to detect it from the file's first record
 * @param skipInvalid skip (and count) malformed records instead of stopping at the first one
 * @param limit       read at most this many records, or null for all
 */
public record DataSourceConfig(
        Path path,
        @Default("null") String format,
        @Default("false") boolean skipInvalid,
        @Default("null") Integer limit) {

    public DataSourceConfig {
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("path: no such file " + path);
        if (limit != null && limit <= 0) throw new IllegalArgumentException("limit must be positive, found " + limit);
    }
}
