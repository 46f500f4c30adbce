package dev.mutual.eval.alpaca;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes alpaca_eval {@code annotations.json} files. */
public final class AlpacaAnnotations {
    /** The file an alpaca evaluation writes beside results.json. */
    public static final String FILE_NAME = "annotations.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AlpacaAnnotations() {}

    /**
     * Reads annotations as alpaca_eval writes them. The preference may be a number, a numeric string or null; a
     * non-numeric preference is kept as unparsed (null), as alpaca_eval would turn it into NaN.
     */
    public static List<Annotation> read(Path file) {
        List<Annotation> annotations = new ArrayList<>();
        for (JsonArrayFile.Entry e : JsonArrayFile.read(file)) {
            annotations.add(new Annotation(e.text("instruction"), e.text("output_1"), e.text("generator_1", "reference"),
                    e.text("dataset", null), e.text("output_2"), e.text("generator_2", "model"),
                    e.text("annotator", null), preference(e), e.text("raw_completion", null),
                    e.node().path("is_swapped").asBoolean(false)));
        }
        if (annotations.isEmpty()) throw new UserInputException(file + ": no annotations (an empty array)");
        return annotations;
    }

    private static Double preference(JsonArrayFile.Entry e) {
        JsonNode p = e.node().get("preference");
        if (p == null) throw new UserInputException(e.where() + ": expected a \"preference\" field (1, 2, 0/1.5 or null)");
        if (p.isNumber()) return p.asDouble();
        if (p.isTextual()) {
            try {
                return Double.parseDouble(p.asText().trim());
            } catch (NumberFormatException notNumeric) {
                return null;
            }
        }
        return null;
    }

    /** Writes annotations atomically, in alpaca_eval's layout. */
    public static void write(Path file, List<Annotation> annotations) {
        try {
            AtomicFile.writeBytes(file, JSON.writeValueAsBytes(annotations));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write annotations to " + file, e);
        }
    }
}
