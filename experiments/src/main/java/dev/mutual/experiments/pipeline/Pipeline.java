package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.recipe.DidYouMean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs a recipe's stages in dependency order inside a {@link RunDirectory}, skipping every stage whose outputs
 * are already there for the same cache key.
 *
 * <p>Cache key = SHA-256 of (Mutual version, stage type, stage code version, the stage's resolved config, the
 * output hashes of its upstream stages, the content hashes of its input files). A stage writes into
 * {@code <stage>.partial/}; when it returns, the pipeline hashes the outputs, writes {@code _SUCCESS.json} last
 * (atomically) and renames the folder to {@code <stage>/}. So a folder named after a stage is always finished,
 * and a killed run leaves only a {@code .partial} folder, which the next run clears (or hands back to a
 * {@link Stage#resumable()} stage). A stage not finished here whose key matches a finished folder elsewhere (another
 * stage of this run, an earlier run of this recipe, any run of any recipe under the same runs root: see
 * {@link FinishedStages}) is hard-linked from there instead of run.
 */
public final class Pipeline {

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final List<PipelineStage> order;

    /** Orders {@code stages} so that each runs after its upstream stages (recipe order otherwise). */
    public Pipeline(List<PipelineStage> stages) {
        Map<String, PipelineStage> byName = new LinkedHashMap<>();
        for (PipelineStage s : stages) {
            if (byName.put(s.name(), s) != null) throw new IllegalArgumentException("two stages named " + s.name());
        }
        List<PipelineStage> ordered = new ArrayList<>();
        Set<String> placed = new LinkedHashSet<>();
        // Repeatedly take the first stage (in recipe order) whose upstream stages are all placed.
        while (ordered.size() < stages.size()) {
            PipelineStage next = null;
            for (PipelineStage s : stages) {
                if (!placed.contains(s.name()) && placed.containsAll(s.upstream())) {
                    next = s;
                    break;
                }
            }
            if (next == null) {
                List<String> waiting = new ArrayList<>();
                for (PipelineStage s : stages) if (!placed.contains(s.name())) waiting.add(s.name() + " <- " + s.upstream());
                for (PipelineStage s : stages) {
                    for (String up : s.upstream()) {
                        if (!byName.containsKey(up)) throw new UserInputException("stages." + s.name() + ": reads from unknown stage '" + up + "'");
                    }
                }
                throw new UserInputException("stages form a cycle, so none of these can run first: " + String.join(", ", waiting));
            }
            ordered.add(next);
            placed.add(next.name());
        }
        this.order = List.copyOf(ordered);
    }

    /** The stages in the order they run. */
    public List<PipelineStage> stages() {
        return order;
    }

    /**
     * {@code force} plus every stage that reads, directly or not, from one of them.
     *
     * @throws UserInputException when {@code force} names a stage the pipeline does not have
     */
    public Set<String> withDownstream(Set<String> force) {
        List<String> names = order.stream().map(PipelineStage::name).toList();
        for (String f : force) {
            if (!names.contains(f)) {
                throw new UserInputException("--force " + f + ": no such stage" + DidYouMean.hint(f, names)
                        + " (stages: " + String.join(", ", names) + ")");
            }
        }
        Set<String> out = new LinkedHashSet<>(force);
        for (PipelineStage s : order) {  // upstream stages come first, so one pass suffices
            for (String up : s.upstream()) if (out.contains(up)) out.add(s.name());
        }
        return out;
    }

    /**
     * Runs every stage not already finished for its cache key.
     *
     * @param force stages to rerun even when cached; everything downstream of them reruns too
     */
    public List<StageOutcome> run(RunDirectory run, Set<String> force) throws IOException {
        return run(run, force, true);
    }

    /**
     * @param force  stages to rerun even when cached; everything downstream of them reruns too (from scratch)
     * @param resume whether a {@link Stage#resumable()} stage continues from the leftovers of an interrupted attempt
     *               (e.g. training from its last checkpoint); false clears them and starts it over
     */
    public List<StageOutcome> run(RunDirectory run, Set<String> force, boolean resume) throws IOException {
        Set<String> forced = withDownstream(force);
        if (!forced.isEmpty()) log.info("forcing {}", forced);
        Map<String, Manifest> finished = new LinkedHashMap<>();
        FinishedStages elsewhere = new FinishedStages(run);
        List<StageOutcome> outcomes = new ArrayList<>();
        long runStart = System.nanoTime();
        for (int i = 0; i < order.size(); i++) {
            PipelineStage ps = order.get(i);
            String progress = "stage " + (i + 1) + "/" + order.size() + " " + ps.name() + " (" + ps.type() + ")";
            String key = cacheKey(ps, finished);
            Path out = run.stageDir(ps.name());
            Manifest manifest = Manifest.readFrom(out);
            StageOutcome.Status status;
            Path reusedFrom = null;
            if (!forced.contains(ps.name()) && manifest != null && manifest.cacheKey().equals(key)
                    && FinishedStages.outputsPresent(out, manifest)) {
                status = StageOutcome.Status.CACHED;
                log.info("{}: cached ({})", progress, out);
            } else {
                Path work = run.workDir(ps.name());
                Path earlier = forced.contains(ps.name()) ? null : elsewhere.find(ps.name(), key, finished);
                manifest = earlier == null ? null : reuse(ps, key, earlier, work, progress);
                if (manifest != null) {
                    status = StageOutcome.Status.REUSED;
                    reusedFrom = earlier;
                } else {
                    status = StageOutcome.Status.RAN;
                    manifest = runStage(run, ps, key, work, progress, resume && !forced.contains(ps.name()));
                }
                deleteTree(out);  // stale (other cache key) or forced
                Files.move(work, out, StandardCopyOption.ATOMIC_MOVE);
            }
            finished.put(ps.name(), manifest);
            outcomes.add(new StageOutcome(ps.name(), status, manifest));
            ObjectNode line = metricsLine(run, ps, status.name().toLowerCase(), manifest.elapsedSeconds());
            if (reusedFrom != null) line.put("reused_from", reusedFrom.toString());
            line.putPOJO("metrics", manifest.metrics());
            run.appendMetrics(line);
        }
        log.info("all {} stages finished in {}s: {}", order.size(), seconds(runStart), run.dir());
        return outcomes;
    }

    private Manifest runStage(RunDirectory run, PipelineStage ps, String key, Path work, String progress,
                              boolean resume) throws IOException {
        boolean leftovers = Files.isDirectory(work);
        boolean resumed = leftovers && resume && ps.stage().resumable();
        if (leftovers && !resumed) deleteTree(work);
        log.info("{}: running{}", progress, !leftovers ? "" : resumed
                ? " (resuming from " + work.getFileName() + " of an unfinished attempt)"
                : " (cleared " + work.getFileName() + " of an unfinished attempt)");
        Files.createDirectories(work);
        Map<String, Path> upstream = new LinkedHashMap<>();
        for (String up : ps.upstream()) upstream.put(up, run.stageDir(up));
        long start = System.nanoTime();
        StageResult result;
        try {
            result = ps.stage().run(new StageContext(ps.name(), work, upstream, resumed));
        } catch (IOException | RuntimeException | Error e) {
            // Errors too (an OutOfMemoryError from a model too big for the heap): the run directory must say why it stopped.
            String error = failure(e);
            try {
                log.error("{}: failed after {}s: {}", progress, seconds(start), error);
                run.appendMetrics(metricsLine(run, ps, "failed", seconds(start)).put("error", error));
            } catch (RuntimeException | Error recording) {
                e.addSuppressed(recording);
            }
            throw e;
        }
        Manifest manifest = new Manifest(ps.name(), ps.type(), key, Manifest.hashOutputs(work), result.metrics(),
                seconds(start), Instant.now().toString());
        manifest.writeTo(work);  // last: only now does the folder count as finished
        log.info("{}: done in {}s {}", progress, manifest.elapsedSeconds(), result.metrics());
        return manifest;
    }

    /** What failed, on one line: the message of an exception, the kind and message of an Error (or of an exception without one). */
    static String failure(Throwable e) {
        String message = e.getMessage() == null ? null : e.getMessage().replaceAll("\\s*\\R\\s*", " ");
        if (e instanceof Error || message == null) return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return message;
    }

    /** One metrics.jsonl line; elapsed_s is the run time of the attempt that produced the outputs. */
    private static ObjectNode metricsLine(RunDirectory run, PipelineStage ps, String status, double elapsedSeconds) {
        ObjectNode line = run.newMetricsLine();
        line.put("time", Instant.now().toString());
        line.put("stage", ps.name());
        line.put("type", ps.type());
        line.put("status", status);
        line.put("elapsed_s", elapsedSeconds);
        return line;
    }

    /** The cache key of a stage given its finished upstream stages. */
    String cacheKey(PipelineStage ps, Map<String, Manifest> finished) throws IOException {
        StringBuilder k = new StringBuilder();
        k.append("mutual ").append(MutualVersion.VERSION).append('\n');
        k.append("type ").append(ps.type()).append(" code-version ").append(ps.stage().codeVersion()).append('\n');
        k.append("config\n").append(ps.config()).append('\n');
        for (String up : ps.upstream().stream().sorted().toList()) {
            k.append("upstream ").append(up).append(' ').append(finished.get(up).outputsHash()).append('\n');
        }
        for (Path f : ps.stage().inputFiles()) {
            if (!Files.isRegularFile(f)) throw new UserInputException("stages." + ps.name() + ": input file " + f + " does not exist");
            k.append("file ").append(f.toAbsolutePath().normalize()).append(' ').append(ContentHash.of(f)).append('\n');
        }
        return ContentHash.of(k.toString());
    }

    /**
     * Links the finished folder {@code from} into {@code work} and returns its manifest, renamed for this stage;
     * null (work cleared) when the copy is not whole, e.g. another process cleared {@code from} meanwhile.
     */
    private static Manifest reuse(PipelineStage ps, String key, Path from, Path work, String progress) throws IOException {
        log.info("{}: reusing {} (same cache key)", progress, from);
        deleteTree(work);
        try {
            linkTree(from, work);
        } catch (NoSuchFileException | UncheckedIOException e) {  // Files.walk reports a vanished file unchecked
            if (e instanceof UncheckedIOException u && !(u.getCause() instanceof NoSuchFileException)) throw u;
            log.warn("{}: {} vanished while linking it, running instead", progress, from);
            deleteTree(work);
            return null;
        }
        Manifest m = Manifest.readFrom(work);
        if (m == null || !m.cacheKey().equals(key) || !FinishedStages.outputsPresent(work, m)) {
            log.warn("{}: the copy of {} is incomplete, running instead", progress, from);
            deleteTree(work);
            return null;
        }
        if (!m.stage().equals(ps.name())) {
            // Finished under another name: the manifest names this stage. writeTo replaces the hard link with a new
            // file (temp + rename), so the source folder's manifest stays as it was.
            m = new Manifest(ps.name(), m.type(), m.cacheKey(), m.outputs(), m.metrics(), m.elapsedSeconds(), m.finishedAt());
            m.writeTo(work);
        }
        return m;
    }

    private static double seconds(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1e6) / 1e3;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }

    /** Hard-links (or, across file systems, copies) a finished stage folder: finished outputs are never modified. */
    private static void linkTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths.sorted()::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    try {
                        Files.createLink(target, p);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(p, target);
                    }
                }
            }
        }
    }
}
