package dev.mutual.trainer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.ProcessUsage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code metrics.jsonl}: one JSON object per optimizer step, written and flushed as the step ends so a crash keeps
 * every finished step and a reader (a plot, {@code tail -f}) never sees half a line. This is a log, appended as
 * training goes, not an output written once (which would go through AtomicFile). Pass it as the
 * {@link Trainer#train} callback. Fields:
 * <pre>
 *   {"step":1,"loss":2.77,"lr":3.0E-4,"grad_norm":1.9,"tokens":512,"weight_sum":512.0,
 *    "seconds":0.41,"tokens_per_s":1248.8,"elapsed_s":0.41,"mfu":0.21,"rss_mb":1830.5}
 * </pre>
 * {@code tokens} counts positions with a non-zero loss weight; {@code rss_mb} is the process's resident memory after
 * the step (null where /proc is missing); {@code elapsed_s} sums the steps' seconds. {@code mfu} is the model FLOP
 * utilisation: the step's model FLOPs (every position of every micro-batch, padding included, as PaLM's appendix B
 * counts them) per second over the machine's peak, both given to the constructor; null when not given.
 */
public final class MetricsLog implements Consumer<TrainStep>, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;
    private final double modelFlopsPerStep;
    private final double peakFlops;
    private double elapsed;

    /** Creates {@code file} (and its folder), replacing an earlier log of the same name; {@code mfu} is null. */
    public MetricsLog(Path file) {
        this(file, Double.NaN, Double.NaN);
    }

    /**
     * @param modelFlopsPerStep model FLOPs of one optimizer step, e.g. {@link TrainingBench#modelFlopsPerToken}
     *                          times the positions of all its micro-batches
     * @param peakFlops         the machine's peak FLOP/s, e.g. {@link TrainingBench#sgemmGflops} * 1e9
     */
    public MetricsLog(Path file, double modelFlopsPerStep, double peakFlops) {
        this(file, modelFlopsPerStep, peakFlops, false, 0);
    }

    private MetricsLog(Path file, double modelFlopsPerStep, double peakFlops, boolean append, double elapsed) {
        this.file = file;
        this.modelFlopsPerStep = modelFlopsPerStep;
        this.peakFlops = peakFlops;
        this.elapsed = elapsed;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            this.out = append
                    ? Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                    : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The log of a run resumed from the checkpoint of {@code step}: keeps the lines of steps up to {@code step}
     * (the steps after it are trained again), drops the rest and a last line cut short by a crash, and appends
     * from there; {@code elapsed_s} continues from the last kept line.
     */
    public static MetricsLog continuing(Path file, int step) {
        return continuing(file, step, Double.NaN, Double.NaN);
    }

    /** {@link #continuing(Path, int)} with {@code mfu} as in {@link #MetricsLog(Path, double, double)}. */
    public static MetricsLog continuing(Path file, int step, double modelFlopsPerStep, double peakFlops) {
        List<String> kept = new ArrayList<>();
        double elapsed = 0;
        if (Files.exists(file)) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read metrics log " + file + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < lines.size(); i++) {
                JsonNode line;
                try {
                    line = JSON.readTree(lines.get(i));
                } catch (IOException e) {
                    if (i == lines.size() - 1) break; // the line a kill cut short
                    throw new UserInputException(file + ":" + (i + 1) + ": not a JSON object (" + e.getMessage() + ")", e);
                }
                if (line == null || !line.path("step").isInt()) {
                    if (i == lines.size() - 1) break;
                    throw new UserInputException(file + ":" + (i + 1) + ": expected a metrics line with an integer 'step'");
                }
                if (line.get("step").intValue() > step) break;
                kept.add(lines.get(i));
                elapsed = line.path("elapsed_s").asDouble(elapsed);
            }
        }
        AtomicFile.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        return new MetricsLog(file, modelFlopsPerStep, peakFlops, true, elapsed);
    }

    /**
     * The steps of a metrics log (all of them, also across resumes), e.g. to plot a whole run; {@code tokens_per_s},
     * {@code mfu} and {@code rss_mb} are not part of a {@link TrainStep} and are dropped. A last line cut short by a
     * crash is skipped.
     */
    public static List<TrainStep> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics log " + file + ": " + e.getMessage(), e);
        }
        List<TrainStep> steps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line;
            try {
                line = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                if (i == lines.size() - 1) break;
                throw new UserInputException(file + ":" + (i + 1) + ": not a JSON object (" + e.getMessage() + ")", e);
            }
            if (line == null || !line.path("step").isInt() || !line.path("loss").isNumber()) {
                if (i == lines.size() - 1) break;
                throw new UserInputException(file + ":" + (i + 1) + ": expected a metrics line with 'step' and 'loss'");
            }
            steps.add(new TrainStep(line.get("step").intValue(), line.get("loss").doubleValue(),
                    line.path("lr").asDouble(), line.path("grad_norm").asDouble(), line.path("tokens").asLong(),
                    line.path("weight_sum").asDouble(), line.path("seconds").asDouble()));
        }
        return steps;
    }

    public Path file() {
        return file;
    }

    @Override
    public void accept(TrainStep s) {
        elapsed += s.seconds();
        ObjectNode line = JSON.createObjectNode();
        line.put("step", s.step());
        line.put("loss", s.loss());
        line.put("lr", s.learningRate());
        line.put("grad_norm", s.gradNorm());
        line.put("tokens", s.tokens());
        line.put("weight_sum", s.weightSum());
        line.put("seconds", s.seconds());
        line.put("tokens_per_s", s.tokensPerSecond());
        line.put("elapsed_s", elapsed);
        double mfu = s.seconds() > 0 ? modelFlopsPerStep / s.seconds() / peakFlops : Double.NaN;
        if (Double.isFinite(mfu)) line.put("mfu", mfu); else line.putNull("mfu");
        double rss = ProcessUsage.rssMb();
        // JSON has no NaN: a missing reading is null.
        if (Double.isFinite(rss)) line.put("rss_mb", rss); else line.putNull("rss_mb");
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write step " + s.step() + " to metrics log " + file + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close metrics log " + file + ": " + e.getMessage(), e);
        }
    }
}
