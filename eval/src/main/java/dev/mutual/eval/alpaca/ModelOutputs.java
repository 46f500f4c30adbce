package dev.mutual.eval.alpaca;

import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.TextGenerator;
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
     * How AlpacaEval outputs are generated: one user turn of the chat template, greedy, up to 2048 new tokens
     * (long enough for AlpacaEval's longest reference answers), no stop strings beyond end of turn.
     */
    public static final GenerationSettings GENERATION = GenerationSettings.greedy(2048, List.of(), true);

    /** Prompts per generator call: large enough to batch, small enough to report progress. */
    static final int CHUNK = 16;

    /**
     * Answers every prompt with {@code generator}, in order, {@link #CHUNK} at a time, logging progress; the result
     * is what {@link #write} saves for alpaca_eval.
     *
     * @param generatorName the model's name for the "generator" field
     */
    public static List<ModelOutput> generate(List<AlpacaPrompt> prompts, TextGenerator generator, GenerationSettings settings,
                                             String generatorName) {
        List<ModelOutput> outputs = new ArrayList<>(prompts.size());
        Progress progress = new Progress(LOG, "alpaca_eval outputs", prompts.size(), "generated", 5000);
        for (int from = 0; from < prompts.size(); from += CHUNK) {
            List<AlpacaPrompt> chunk = prompts.subList(from, Math.min(prompts.size(), from + CHUNK));
            List<String> answers = generator.generate(chunk.stream().map(AlpacaPrompt::instruction).toList(), settings);
            if (answers.size() != chunk.size()) {
                throw new IllegalStateException("generator returned " + answers.size() + " outputs for " + chunk.size() + " prompts");
            }
            for (int i = 0; i < chunk.size(); i++) {
                AlpacaPrompt p = chunk.get(i);
                outputs.add(new ModelOutput(p.instruction(), answers.get(i), generatorName, p.dataset()));
            }
            progress.update(outputs.size());
        }
        progress.finish();
        return outputs;
    }
}
