package dev.mutual.testing.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * One generated input: which parser and case it is (with the run's seed, enough to make it again), the seed file it
 * came from, the mutated bytes and what was done to them. {@code random} continues the case's own generator, for a
 * target that also picks options (a format, skip-invalid, an override) so those replay too.
 */
public record FuzzCase(String parser, long runSeed, int index, Seed origin, byte[] bytes, String mutation, SplittableRandom random) {
    /** Writes the bytes under the seed's file name in {@code dir}. */
    public Path write(Path dir) throws IOException {
        return write(dir, origin.name());
    }

    public Path write(Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    /** True for the first cases, which hand each seed over unchanged: the real files must parse. */
    public boolean unmutated() {
        return mutation.equals(Fuzzer.UNMUTATED);
    }

    @Override
    public String toString() {
        return parser + " case " + index + " (seed file " + origin.name() + ", " + mutation + ")";
    }
}
