package dev.mutual.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file atomically: into a temporary file in the same folder, then renamed over the target, so a reader
 * (or a crash) never sees half a file. Missing parent folders are created. This is the one place in Mutual that
 * writes output files this way; a failed write leaves the old target untouched and no temp file behind, and is
 * reported as an {@link UncheckedIOException} naming the target.
 *
 * <ul>
 *   <li>{@link #write(Path, Body)}: UTF-8 text through a buffered writer (JSONL, CSV, reports line by line);</li>
 *   <li>{@link #writeString(Path, String)}: a whole UTF-8 text;</li>
 *   <li>{@link #writeBytes(Path, byte[])}: raw bytes (PNG charts).</li>
 * </ul>
 */
public final class AtomicFile {
    /** Writes the body of a text file. */
    @FunctionalInterface
    public interface Body {
        void write(Writer out) throws IOException;
    }

    @FunctionalInterface
    private interface Content {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /** Replaces {@code target} with the UTF-8 text {@code body} writes. */
    public static void write(Path target, Body body) {
        replace(target, stream -> {
            try (Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16)) {
                body.write(out);
            }
        });
    }

    /** Replaces {@code target} with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces {@code target} with {@code bytes}. */
    public static void writeBytes(Path target, byte[] bytes) {
        replace(target, out -> out.write(bytes));
    }

    private static void replace(Path target, Content content) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                content.write(out);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one to report
                }
            }
        }
    }
}
