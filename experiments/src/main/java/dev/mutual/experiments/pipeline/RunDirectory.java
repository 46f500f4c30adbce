package dev.mutual.experiments.pipeline;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code <runs>/<recipe-name>/<timestamp>-<hash>/}, where hash is a prefix of the SHA-256 of the resolved
 * recipe. Running the same resolved recipe again finds its newest directory with that hash and resumes there;
 * a changed recipe (or override) gets a new directory. Holds {@code recipe.resolved.yaml}, {@code log.txt},
 * {@code metrics.jsonl} and one folder per stage ({@code <stage>.partial} while it runs). A lock file keeps
 * two processes out of the same directory.
 */
public final class RunDirectory implements AutoCloseable {

    public static final String RESOLVED_RECIPE = "recipe.resolved.yaml";
    public static final String LOG = "log.txt";
    public static final String METRICS = "metrics.jsonl";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final Pattern RUN_NAME = Pattern.compile("\\d{8}-\\d{6}-[0-9a-f]{12}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final boolean resumed;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final RunLog log;

    private RunDirectory(Path dir, boolean resumed, String header, String resolvedYaml) throws IOException {
        this.dir = dir;
        this.resumed = resumed;
        this.lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
            acquired = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {  // this JVM already holds it
            acquired = null;
        }
        this.lock = acquired;
        if (lock == null) {
            lockChannel.close();
            throw new UserInputException(dir + ": another mutual process is running this recipe in this directory");
        }
        // The log opens with the resolved recipe, so each attempt's lines follow the config they ran.
        Files.writeString(dir.resolve(LOG), "==== " + Instant.now() + (resumed ? " resuming run" : " new run") + "\n"
                        + header + resolvedYaml + "====\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.log = new RunLog(dir.resolve(LOG));
    }

    /**
     * Opens the run directory for a resolved recipe, creating it (and writing the resolved recipe) when no
     * earlier run of the same resolved recipe exists.
     *
     * @param runsRoot     the runs root, e.g. {@code runs}
     * @param recipeName   the recipe's name
     * @param resolvedYaml the resolved recipe (what the directory's hash covers)
     * @param header       comment lines written above it in {@code recipe.resolved.yaml}
     * @param now          the timestamp for a new directory
     */
    public static RunDirectory open(Path runsRoot, String recipeName, String resolvedYaml, String header, Instant now) throws IOException {
        String hash = ContentHash.of(resolvedYaml).substring(0, 12);
        Path recipeDir = runsRoot.resolve(recipeName);
        Path existing = null;
        for (Path run : runs(recipeDir)) {
            if (run.getFileName().toString().endsWith("-" + hash)) existing = run;  // runs() is oldest first
        }
        Path dir = existing != null ? existing : recipeDir.resolve(STAMP.format(now) + "-" + hash);
        Files.createDirectories(dir);
        // Also on resume: a run killed right after creating its directory has no resolved recipe yet.
        if (!Files.exists(dir.resolve(RESOLVED_RECIPE))) AtomicFile.writeString(dir.resolve(RESOLVED_RECIPE), header + resolvedYaml);
        return new RunDirectory(dir, existing != null, header, resolvedYaml);
    }

    /** Run directories of one recipe, oldest first (the timestamp sorts them). */
    static List<Path> runs(Path recipeDir) throws IOException {
        List<Path> runs = new ArrayList<>();
        if (!Files.isDirectory(recipeDir)) return runs;
        try (Stream<Path> children = Files.list(recipeDir)) {
            children.filter(p -> Files.isDirectory(p) && RUN_NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .forEach(runs::add);
        }
        return runs;
    }

    public Path dir() {
        return dir;
    }

    /** True when this directory existed before: finished stages are reused, unfinished ones resumed. */
    public boolean resumed() {
        return resumed;
    }

    /** The published folder of a finished stage. */
    public Path stageDir(String stage) {
        return dir.resolve(stage);
    }

    /** Where a stage writes while it runs. */
    Path workDir(String stage) {
        return dir.resolve(stage + ".partial");
    }

    /** The runs root this directory is in ({@code <runs>/<recipe>/<run>}): every recipe's finished stages can be reused. */
    Path runsRoot() {
        return dir.toAbsolutePath().getParent().getParent();
    }

    /** Earlier run directories of the same recipe, newest first: finished stages there can be reused. */
    List<Path> otherRuns() throws IOException {
        List<Path> others = runs(dir.getParent());
        others.remove(dir);
        java.util.Collections.reverse(others);
        return others;
    }

    /** Appends one JSON line to {@code metrics.jsonl} (one write per line, flushed, so lines stay whole). */
    void appendMetrics(ObjectNode line) throws IOException {
        Files.writeString(dir.resolve(METRICS), JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    }

    ObjectNode newMetricsLine() {
        return JSON.createObjectNode();
    }

    @Override
    public void close() throws IOException {
        log.close();
        lock.release();
        lockChannel.close();
    }
}
