package dev.mutual.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file atomically: into a temporary file in the same folder, then renamed over the target, so a reader
 * (or a crash) never sees half a file. Missing parent folders are created. This is the one place in Mutual that
 * writes output files this way; a failed write leaves the old target untouched and no temp file behind, and is
 * reported as an {@link UncheckedIOException} naming the target. The new file gets rw-r--r-- (createTempFile's
 * default rw------- would leave a model directory unreadable to other users).
 *
 * <ul>
 *   <li>{@link #write(Path, Body)}: UTF-8 text through a buffered writer (JSONL, CSV, reports line by line);</li>
 *   <li>{@link #writeString(Path, String)}: a whole UTF-8 text;</li>
 *   <li>{@link #writeBytes(Path, byte[])}: raw bytes (PNG charts);</li>
 *   <li>{@link #writeChannel(Path, ChannelBody)}: large binaries written in chunks (safetensors), forced to disk;</li>
 *   <li>{@link #copy(Path, Path)}: a copy of another file (tokenizer files beside a saved model).</li>
 * </ul>
 */
public final class AtomicFile {
    /** Writes the body of a text file. */
    @FunctionalInterface
    public interface Body {
        void write(Writer out) throws IOException;
    }

    /** Writes the body of a binary file through a channel. */
    @FunctionalInterface
    public interface ChannelBody {
        void write(FileChannel out) throws IOException;
    }

    /** Fills the temp file that then replaces the target. */
    @FunctionalInterface
    private interface Content {
        void fill(Path tmp) throws IOException;
    }

    private AtomicFile() {
    }

    /** Replaces {@code target} with the UTF-8 text {@code body} writes. */
    public static void write(Path target, Body body) {
        writeStream(target, stream -> {
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
        writeStream(target, out -> out.write(bytes));
    }

    /** Replaces {@code target} with what {@code body} writes to a channel; the data is forced to disk before the rename. */
    public static void writeChannel(Path target, ChannelBody body) {
        replace(target, tmp -> {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(out);
                out.force(true);
            }
        });
    }

    /** Replaces {@code target} with a copy of {@code source}. */
    public static void copy(Path source, Path target) {
        replace(target, tmp -> Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING));
    }

    @FunctionalInterface
    private interface StreamBody {
        void write(OutputStream out) throws IOException;
    }

    private static void writeStream(Path target, StreamBody body) {
        replace(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                body.write(out);
            }
        });
    }

    private static void replace(Path target, Content content) {
        Path dir = target.toAbsolutePath().getParent();
        InputFiles.requireOutputFile(target, target.toString()); // a directory or a file in the way: bad input, not a raw rename error
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            content.fill(tmp);
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
