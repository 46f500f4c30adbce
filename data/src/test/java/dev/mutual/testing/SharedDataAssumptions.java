package dev.mutual.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For tests that read {@code ../shared/data} (the project's shared data beside the repository, absent from a fresh
 * clone): {@link #assumeShared} skips the test, or from {@code @BeforeAll} the whole class, with the reason
 * "skipped: needs ../shared/data/PATH (not in this clone)" when that path is missing. CI, where the data is present,
 * sets {@code -Dmutual.requireSharedData=true} ({@code .ci/run}; the root pom hands it to Surefire): then a missing
 * path fails the test instead, so no test that needs the data is silently skipped there.
 *
 * <p>Shared by every module's tests through mutual-data's test jar.
 */
public final class SharedDataAssumptions {
    /** The system property under which a missing path fails instead of skipping. */
    public static final String REQUIRE_PROPERTY = "mutual.requireSharedData";
    /** The shared data folder as tests see it: their working directory is their module's folder. */
    public static final Path DATA = Path.of("../../shared/data");

    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private SharedDataAssumptions() {
    }

    /**
     * Skips the calling test (or class) unless {@code ../shared/data/<relative>} exists; fails instead under
     * {@code -Dmutual.requireSharedData=true}.
     *
     * @param relative a file or folder under the shared data folder, e.g. {@code gsm8k/test.jsonl}
     * @return that path, relative to the module folder as the tests' other paths are
     */
    public static Path assumeShared(String relative) {
        return check(DATA, relative, Boolean.getBoolean(REQUIRE_PROPERTY));
    }

    static Path check(Path data, String relative, boolean required) {
        Path path = data.resolve(relative);
        if (Files.exists(path)) return path;
        String needs = "needs ../shared/data/" + relative;
        if (required) {
            Assertions.fail(needs + ", not found at " + path.toAbsolutePath().normalize() + " (-D" + REQUIRE_PROPERTY
                    + "=true: tests that need the shared data must run, not be skipped)");
        }
        String reason = "skipped: " + needs + " (not in this clone)";
        // Surefire's console counts skipped tests but does not print why: say it once per missing path.
        if (REPORTED.add(relative)) System.err.println("[shared data] " + reason);
        return Assumptions.abort(reason);
    }
}
