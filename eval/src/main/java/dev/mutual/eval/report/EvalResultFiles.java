package dev.mutual.eval.report;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.JsonNode;
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
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserInputException(file + ": not a valid " + RESULTS + ": " + firstLine(e));
        }
        checkResultFields(root, file);
        try {
            return JSON.treeToValue(root, EvalResult.class);
        } catch (IOException | IllegalArgumentException e) {
            // Jackson's own text names Java classes ("Cannot construct instance of `dev.mutual...`"): say what the file lacks.
            Throwable cause = e.getCause() instanceof IllegalArgumentException bad ? bad : e;
            String why = cause instanceof Exception x ? BindingErrors.describe(x) : cause.toString();
            throw new UserInputException(file + ": not a valid " + RESULTS + " (expected " + RESULT_FIELDS + "): " + why);
        }
    }

    private static final String RESULT_FIELDS = "an object with benchmark, version, metrics {name: number}, primaryMetric, n, run, settings";

    /** The fields compare needs, checked with messages that name them (a missing or non-numeric metric, say). */
    private static void checkResultFields(JsonNode root, Path file) {
        String where = file + ": ";
        if (root == null || !root.isObject()) {
            throw new UserInputException(where + "expected " + RESULT_FIELDS + ", found " + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        JsonNode benchmark = root.get("benchmark");
        if (benchmark == null || !benchmark.isTextual()) throw new UserInputException(where + "key 'benchmark' must be a string, found " + benchmark);
        JsonNode metrics = root.get("metrics");
        if (metrics == null || !metrics.isObject() || metrics.isEmpty()) {
            throw new UserInputException(where + "key 'metrics' must be an object of metric name to number, found " + metrics);
        }
        metrics.fields().forEachRemaining(m -> {
            if (!m.getValue().isNumber() || !Double.isFinite(m.getValue().asDouble())) {
                throw new UserInputException(where + "metric 'metrics." + m.getKey() + "' must be a finite number, found " + m.getValue());
            }
        });
        JsonNode primary = root.get("primaryMetric");
        if (primary == null || !primary.isTextual() || !metrics.has(primary.asText())) {
            throw new UserInputException(where + "key 'primaryMetric' must name one of the metrics " + iterable(metrics.fieldNames()) + ", found " + primary);
        }
        JsonNode n = root.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.canConvertToInt() && n.asInt() >= 0)) {
            throw new UserInputException(where + "key 'n' must be a count >= 0, found " + n);
        }
    }

    private static String kind(JsonNode node) {
        String type = node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type + " (" + node + ")";
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
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
            checkSampleFields(line);
            try {
                samples.add(JSONL.treeToValue(line.node(), EvalSample.class));
            } catch (IOException | IllegalArgumentException e) {
                throw line.error("not a sample line (expected " + SAMPLE_FIELDS + "): " + BindingErrors.describe(e));
            }
        }
        return samples;
    }

    private static final String SAMPLE_FIELDS = "JSON with id, prompt, response, scores {name: number}";

    /**
     * The fields compare pairs and averages, checked with messages that name them: every evaluator writes an id and a
     * scores object (empty for an item left unscored), so a null, missing or non-numeric score is a broken file, not
     * an item to skip.
     */
    private static void checkSampleFields(JsonLines.Line line) {
        JsonNode node = line.node();
        if (!node.isObject()) throw line.error("expected " + SAMPLE_FIELDS + ", found " + kind(node));
        JsonNode id = node.get("id");
        if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
            throw line.error("key 'id' must be a string, found " + (id == null ? "no id" : id));
        }
        for (String text : new String[] {"prompt", "response"}) {
            JsonNode value = node.get(text);
            if (value != null && !value.isNull() && !value.isTextual()) {
                throw line.error("key '" + text + "' must be a string, found " + kind(value));
            }
        }
        JsonNode scores = node.get("scores");
        if (scores == null || !scores.isObject()) {
            throw line.error("key 'scores' must be an object of metric name to number ({} for an unscored item), found "
                    + (scores == null ? "no scores" : scores));
        }
        scores.fields().forEachRemaining(m -> {
            if (!m.getValue().isNumber() || !Double.isFinite(m.getValue().asDouble())) {
                throw line.error("score 'scores." + m.getKey() + "' must be a finite number, found " + m.getValue());
            }
        });
    }

    private static String firstLine(IOException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
    }
}
