package dev.mutual.experiments.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where a finished stage folder with a given cache key can be found, for {@link Pipeline} to reuse it: first a stage
 * already finished in this run under another name, then the same stage in earlier runs of the same recipe, then any
 * finished stage folder of any recipe under the same runs root ({@code <runs>/<recipe>/<run>/<stage>/}).
 *
 * <p>One instance per {@link Pipeline#run} call. The runs root is scanned at most once, and only when a stage is
 * found neither in this run nor in its recipe's earlier runs: a fully cached rerun reads nothing. The scan reads
 * only {@code _SUCCESS.json} files; a candidate is checked again (manifest, key, outputs) when it is picked, since
 * another process may have replaced it since.
 */
final class FinishedStages {

    private final RunDirectory run;
    private Map<String, List<Path>> byKey;  // built on first need

    FinishedStages(RunDirectory run) {
        this.run = run;
    }

    /**
     * A finished folder with this cache key other than the stage's own folder in this run, or null.
     *
     * @param finishedHere the stages finished so far in this run (their folders are {@code run.stageDir(name)})
     */
    Path find(String stage, String key, Map<String, Manifest> finishedHere) throws IOException {
        for (Map.Entry<String, Manifest> e : finishedHere.entrySet()) {
            if (e.getValue().cacheKey().equals(key) && matches(run.stageDir(e.getKey()), key)) return run.stageDir(e.getKey());
        }
        for (Path other : run.otherRuns()) {
            if (matches(other.resolve(stage), key)) return other.resolve(stage);
        }
        Path own = run.stageDir(stage).toAbsolutePath().normalize();
        for (Path dir : index().getOrDefault(key, List.of())) {
            if (!dir.toAbsolutePath().normalize().equals(own) && matches(dir, key)) return dir;
        }
        return null;
    }

    /** Finished: a readable manifest with this key, and every output it lists is there. */
    static boolean matches(Path dir, String key) {
        Manifest m = Manifest.readFrom(dir);
        return m != null && m.cacheKey().equals(key) && outputsPresent(dir, m);
    }

    static boolean outputsPresent(Path dir, Manifest m) {
        for (String file : m.outputs().keySet()) if (!Files.isRegularFile(dir.resolve(file))) return false;
        return true;
    }

    /** Cache key -> finished stage folders under the runs root: recipes by name, each recipe's runs newest first. */
    private Map<String, List<Path>> index() throws IOException {
        if (byKey != null) return byKey;
        byKey = new HashMap<>();
        for (Path recipe : children(run.runsRoot())) {
            List<Path> runs = RunDirectory.runs(recipe);
            Collections.reverse(runs);
            for (Path r : runs) {
                for (Path stage : children(r)) {
                    // A .partial folder is unfinished even when it holds a manifest (written just before the rename).
                    if (stage.getFileName().toString().endsWith(".partial")) continue;
                    Manifest m = Manifest.readFrom(stage);  // null when missing or unreadable: skipped
                    if (m != null) byKey.computeIfAbsent(m.cacheKey(), k -> new ArrayList<>()).add(stage);
                }
            }
        }
        return byKey;
    }

    /** Sub-folders sorted by name; none when {@code dir} is gone (another process may be clearing it). */
    private static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }
}
