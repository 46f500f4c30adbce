package dev.mutual.data;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * The standard messages for an input file that cannot be read: what is there instead of a file (nothing, a
 * directory) and why reading failed (not UTF-8, a truncated or corrupt gzip, no permission), each a
 * {@link UserInputException} so the CLI exits 2 with one line instead of 1 with a raw JDK message.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * @param file  the path the user gave
     * @param label how messages name it, e.g. "--input data.jsonl" or just the path
     * @throws UserInputException when {@code file} is not a readable regular file
     */
    public static void requireFile(Path file, String label) {
        if (Files.isRegularFile(file)) {
            if (!Files.isReadable(file)) throw new UserInputException(label + ": permission denied (expected a readable file)");
            return;
        }
        if (Files.isDirectory(file)) throw new UserInputException(label + ": is a directory (expected a file)");
        if (Files.exists(file)) throw new UserInputException(label + ": not a regular file (expected a file)");
        throw new UserInputException(label + ": no such file");
    }

    /** {@link #requireFile(Path, String)} naming the file by its path. */
    public static void requireFile(Path file) {
        requireFile(file, file.toString());
    }

    /**
     * The failure to read {@code file} as a user-input error where it is one (bad bytes, a broken gzip, a path that
     * is not a readable file), else null: a disk error stays a failure (exit 1).
     */
    public static UserInputException readFailure(Path file, String label, IOException e) {
        if (e instanceof CharacterCodingException) {
            return new UserInputException(label + ": not valid UTF-8 text (expected UTF-8, found a malformed byte sequence;"
                    + " convert the file, e.g. iconv -f latin1 -t utf-8)", e);
        }
        if (isGzip(file) && (e instanceof EOFException || e instanceof ZipException)) {
            return new UserInputException(label + ": truncated or corrupt gzip data (" + e.getMessage() + "); expected a complete .gz file", e);
        }
        if (e instanceof NoSuchFileException || e instanceof AccessDeniedException || !Files.isRegularFile(file)) {
            try {
                requireFile(file, label);
            } catch (UserInputException u) {
                return u;
            }
        }
        return null;
    }

    private static boolean isGzip(Path file) {
        return file.getFileName() != null && file.getFileName().toString().toLowerCase().endsWith(".gz");
    }

    /**
     * Checks, before any work, that {@code dir} can be an output folder: absent (it will be created) or a directory,
     * and not under an existing file.
     *
     * @param label how messages name it, e.g. "--output out"
     */
    public static void requireOutputDirectory(Path dir, String label) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserInputException(label + ": is a file (expected a directory to write into)");
        requireNoFileAbove(dir, label);
    }

    /** Checks, before any work, that {@code file} can be written: absent or a regular file, and not under an existing file. */
    public static void requireOutputFile(Path file, String label) {
        if (Files.isDirectory(file)) throw new UserInputException(label + ": is a directory (expected a file path to write)");
        requireNoFileAbove(file, label);
    }

    private static void requireNoFileAbove(Path path, String label) {
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) return;
            if (Files.exists(p)) throw new UserInputException(label + ": " + p + " is a file (expected a directory to write into)");
        }
    }
}
