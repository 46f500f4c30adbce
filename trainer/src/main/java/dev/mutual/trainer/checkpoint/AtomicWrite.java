package dev.mutual.trainer.checkpoint;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writing a file so that readers see the old file or the complete new one, never half of it: write a temp file in
 * the target's directory, then rename it over the target. Temp files get rw-r--r-- (createTempFile's default rw-------
 * would leave a model directory unreadable to other users).
 */
public final class AtomicWrite {
    private AtomicWrite() {}

    /** A new empty temp file beside {@code target} (its directory is created if needed). */
    public static Path tempBeside(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return tmp;
    }

    /** Renames {@code tmp} over {@code target} atomically. */
    public static void commit(Path tmp, Path target) throws IOException {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
