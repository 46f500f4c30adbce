package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;

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
     * The default input of {@code option} when the user did not give it: a file under the shared data folder, e.g.
     * {@code gsm8k/test.jsonl}.
     *
     * @throws UserInputException naming the option, the default and where it was looked for, when it is missing
     *                            (as in a fresh clone with no ../shared beside it)
     */
    static Path file(String relative, String option) {
        Path repo = repositoryRoot();
        return file(folder(), repo == null ? null : repo.resolve("../shared/data").normalize(), relative, option);
    }

    /** {@link #file(String, String)} with the shared folder found ({@code folder}, or null) and where it was looked for. */
    static Path file(Path folder, Path expected, String relative, String option) {
        if (folder != null && Files.exists(folder.resolve(relative))) return folder.resolve(relative);
        String where = folder != null ? "not found in " + folder
                : "there is no shared data folder" + (expected != null ? " at " + expected : " beside the repository");
        throw new UserInputException("no " + option + " given, and its default ../shared/data/" + relative + " is missing ("
                + where + "): give " + option);
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
