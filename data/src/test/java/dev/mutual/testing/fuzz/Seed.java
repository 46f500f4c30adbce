package dev.mutual.testing.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real file the fuzzer mutates: its name (kept as the mutated file's name, extension included, since readers look at
 * it), its bytes and what it holds, which decides the structured mutations tried on it.
 */
public record Seed(String name, Kind kind, byte[] bytes) {
    /** What a seed holds: structured mutations understand its layout. */
    public enum Kind {
        /** One JSON value per line. */
        JSONL,
        /** One JSON document. */
        JSON,
        /** A YAML document (a recipe). */
        YAML,
        /** Plain text lines. */
        TEXT,
        /** Little-endian binary with int32/float32 fields (llama2.c checkpoints and tokenizers). */
        BINARY,
        /** safetensors: an 8-byte little-endian header length, a JSON header, then the tensor bytes. */
        SAFETENSORS,
        /** A Jinja chat template's source (the {@code chat_template} of a tokenizer_config.json). */
        JINJA
    }

    public static Seed of(Path file, Kind kind) {
        return new Seed(file.getFileName().toString(), kind, read(file));
    }

    /** The first {@code lines} lines of a text file: small seeds keep each case cheap, and mutations reach every line. */
    public static Seed head(Path file, Kind kind, int lines) {
        List<String> kept = new ArrayList<>();
        for (String line : new String(read(file), StandardCharsets.UTF_8).split("\n", -1)) {
            if (kept.size() == lines) break;
            kept.add(line);
        }
        return new Seed(file.getFileName().toString(), kind, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The same bytes under another file name (the name tells some readers the format). */
    public Seed withName(String newName) {
        return new Seed(newName, kind, bytes);
    }

    public static Seed text(String name, Kind kind, String text) {
        return new Seed(name, kind, text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("fuzz seed " + file + " unreadable", e);
        }
    }
}
