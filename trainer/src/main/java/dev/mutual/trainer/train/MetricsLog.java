package dev.mutual.trainer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.trainer.ProcessUsage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        this.file = file;
        this.modelFlopsPerStep = modelFlopsPerStep;
        this.peakFlops = peakFlops;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create metrics log " + file + ": " + e.getMessage(), e);
        }
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
