package dev.mutual.eval.report;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes an evaluation directory: {@code results.json} + {@code samples.jsonl}. Every evaluator writes
 * through here so that {@code mutual compare} reads one format. Files are written to a temp file and renamed, so
 * a killed evaluation never leaves a results file that looks finished; samples are written first, results last.
 */
public final class EvalResultFiles {
    public static final String RESULTS = "results.json";
    public static final String SAMPLES = "samples.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper JSONL = new ObjectMapper();

    private EvalResultFiles() {}

    /** Writes {@code samples.jsonl} then {@code results.json} into {@code dir} (created if missing). */
    public static void write(Path dir, EvalResult result, List<EvalSample> samples) {
        try {
            Files.createDirectories(dir);
            AtomicFile.write(dir.resolve(SAMPLES), out -> {
                for (EvalSample s : samples) {
                    out.write(JSONL.writeValueAsString(s));
                    out.write('\n');
                }
            });
            AtomicFile.write(dir.resolve(RESULTS), out -> out.write(JSON.writeValueAsString(result)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write evaluation results to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code results.json} from an evaluation directory (or the file itself). */
    public static EvalResult readResult(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(RESULTS) : dirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": no evaluation results here (expected " + RESULTS + ")");
        }
        try {
            return JSON.readValue(file.toFile(), EvalResult.class);
        } catch (IOException e) {
            throw new UserInputException(file + ": not a valid " + RESULTS + ": " + firstLine(e));
        }
    }

    /** Reads {@code samples.jsonl} beside {@code results.json}; a malformed line names the file and line. */
    public static List<EvalSample> readSamples(Path dirOrResultsFile) {
        Path dir = Files.isDirectory(dirOrResultsFile) ? dirOrResultsFile : dirOrResultsFile.getParent();
        Path file = dir.resolve(SAMPLES);
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": missing (every evaluation directory has " + SAMPLES + ")");
        }
        List<EvalSample> samples = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(file, "evaluation samples, JSON with id, prompt, response, scores")) {
            try {
                samples.add(JSONL.treeToValue(line.node(), EvalSample.class));
            } catch (IOException | IllegalArgumentException e) {
                throw line.error("not a sample line (expected JSON with id, prompt, response, scores): "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        return samples;
    }

    private static String firstLine(IOException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
    }
}
