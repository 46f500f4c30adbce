package dev.mutual.experiments.pipeline;

import dev.mutual.data.Example;
import dev.mutual.data.read.DataReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The last pool file read in this JVM, kept so that a Spark executor reads the pool once for all the shards it
 * runs, not once per shard. Keyed by path, size and modification time, so a changed file is read again.
 */
final class PoolCache {

    private static String key;
    private static List<Example> pool;

    private PoolCache() {}

    static synchronized List<Example> read(Path file) {
        String k;
        try {
            k = file.toAbsolutePath().normalize() + " " + Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (!k.equals(key)) {
            pool = DataReader.read(file, DataReader.Options.defaults()).examples();
            key = k;
        }
        return pool;
    }
}
