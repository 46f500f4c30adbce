package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.train.Validation;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code validation.jsonl} of a train stage: one line per validation, appended and flushed as it happens (a log,
 * like metrics.jsonl):
 * <pre>
 *   {"step":10,"eval_loss":4.91,"improved":true,"best_step":10,"best_eval_loss":4.91,"evals_without_improvement":0,
 *    "stop_early":false}
 * </pre>
 * A resumed attempt keeps the lines up to its checkpoint's step and drops the rest (they are computed again).
 */
final class ValidationLog implements AutoCloseable {

    static final String FILE = "validation.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;

    /** Opens {@code file}, keeping the lines of steps up to {@code keepUpToStep} (0: a new, empty log). */
    ValidationLog(Path file, int keepUpToStep) {
        this.file = file;
        List<String> kept = new ArrayList<>();
        if (keepUpToStep > 0 && Files.exists(file)) {
            for (Validation v : read(file)) {
                if (v.step() <= keepUpToStep) kept.add(line(v));
            }
        }
        AtomicFile.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        try {
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    void accept(Validation v) {
        try {
            out.write(line(v));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write step " + v.step() + " to " + file + ": " + e.getMessage(), e);
        }
    }

    private static String line(Validation v) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", v.step());
        o.put("eval_loss", v.loss());
        o.put("improved", v.improved());
        o.put("best_step", v.bestStep());
        o.put("best_eval_loss", v.bestLoss());
        o.put("evals_without_improvement", v.evalsWithoutImprovement());
        o.put("stop_early", v.stopEarly());
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every validation in {@code file}; a last line cut short by a crash is skipped. */
    static List<Validation> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Validation> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n;
            try {
                n = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                n = null;
            }
            if (n == null || !n.path("step").isInt() || !n.path("eval_loss").isNumber()) {
                if (i == lines.size() - 1) break;  // the line a kill cut short
                throw new UserInputException(file + ":" + (i + 1) + ": expected a validation line with 'step' and 'eval_loss'");
            }
            out.add(new Validation(n.get("step").intValue(), n.get("eval_loss").doubleValue(), n.path("improved").asBoolean(),
                    n.path("best_step").asInt(), n.path("best_eval_loss").asDouble(), n.path("evals_without_improvement").asInt(),
                    n.path("stop_early").asBoolean()));
        }
        return out;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
