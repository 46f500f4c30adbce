package dev.mutual.experiments.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared data folder, {@code ../shared/data} beside the repository: the repository is
 * {@code $MUTUAL_HOME} (set by bin/mutual) or the nearest folder above the working directory holding
 * {@code bin/mutual}.
 */
final class SharedData {
    private SharedData() {
    }

    /** The shared data folder, or null when there is none. */
    static Path folder() {
        Path repo = repositoryRoot();
        if (repo == null) return null;
        Path shared = repo.resolve("../shared/data").normalize();
        return Files.isDirectory(shared) ? shared : null;
    }

    /**
     * A file under the shared data folder, e.g. {@code gsm8k/test.jsonl}; without a shared data folder, that file
     * under {@code ../shared/data}, whose absence the reader then reports by name.
     */
    static Path file(String relative) {
        Path folder = folder();
        return (folder != null ? folder : Path.of("..", "shared", "data")).resolve(relative);
    }

    static Path repositoryRoot() {
        String home = System.getenv("MUTUAL_HOME");
        if (home != null && !home.isBlank()) return Path.of(home).toAbsolutePath();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bin/mutual")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        }
        return null;
    }
}
