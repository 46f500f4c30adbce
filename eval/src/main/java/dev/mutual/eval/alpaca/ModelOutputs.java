package dev.mutual.eval.alpaca;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads, writes and generates alpaca_eval {@code model_outputs.json} files (a JSON array of {@link ModelOutput}). */
public final class ModelOutputs {
    private static final Logger LOG = LoggerFactory.getLogger(ModelOutputs.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelOutputs() {}

    /** Reads a model outputs file; entries need "instruction" and "output", "generator" defaults to the file name. */
    public static List<ModelOutput> read(Path file) {
        String fallbackGenerator = file.getFileName().toString().replaceFirst("\\.json$", "");
        List<ModelOutput> outputs = new ArrayList<>();
        for (JsonArrayFile.Entry e : JsonArrayFile.read(file)) {
            outputs.add(new ModelOutput(e.text("instruction"), e.text("output"),
                    e.text("generator", fallbackGenerator), e.text("dataset", null)));
        }
        if (outputs.isEmpty()) throw new UserInputException(file + ": no model outputs (an empty array)");
        return outputs;
    }

    /** Writes the outputs atomically (temp file in the same directory, then rename). */
    public static void write(Path file, List<ModelOutput> outputs) {
        try {
            AtomicFile.writeBytes(file, JSON.writeValueAsBytes(outputs));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model outputs to " + file, e);
        }
    }

    /**
     * Answers every prompt with {@code generator}, in order, logging progress; the result is what {@link #write}
     * saves for alpaca_eval.
     *
     * @param generatorName the model's name for the "generator" field
     */
    public static List<ModelOutput> generate(List<AlpacaPrompt> prompts, OutputGenerator generator, String generatorName) {
        List<ModelOutput> outputs = new ArrayList<>(prompts.size());
        Progress progress = new Progress(LOG, "alpaca_eval outputs", prompts.size(), "generated", 5000);
        for (AlpacaPrompt p : prompts) {
            outputs.add(new ModelOutput(p.instruction(), generator.respond(p.instruction()), generatorName, p.dataset()));
            progress.step();
        }
        progress.finish();
        return outputs;
    }
}
