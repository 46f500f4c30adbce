package dev.mutual.experiments.recipe;

import dev.mutual.data.read.Format;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One data file to read (maps onto {@code dev.mutual.data.prepare.PrepareConfig.Source}).
 *
 * @param path        a JSONL, JSON array or .txt file (.gz allowed), relative to the recipe file's directory
 * @param format      the record format, or null to detect it from the first record
 * @param skipInvalid skip (and count) malformed records instead of stopping at the first one
 * @param limit       read at most this many examples, or null for all
 * @param unlabelled  treat pairs as unlabelled responses: the instruction is kept aside as gold instruction and
 *                    never used (files without instructions are unlabelled anyway)
 */
public record DataSourceConfig(
        Path path,
        @Default("null") Format format,
        @Default("false") boolean skipInvalid,
        @Default("null") Integer limit,
        @Default("false") boolean unlabelled) {

    public DataSourceConfig {
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("path: no such file " + path);
        if (limit != null && limit < 1) throw new IllegalArgumentException("limit: expected a count >= 1, found " + limit);
    }
}
