package dev.mutual.experiments.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.chat.PairDirection;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.model.LoadedModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model a {@code train} stage wrote, opened by the stages that use it (synthesize, score, curate, eval): the
 * HF model in {@code model/} with its tokenizer, plus {@value #INFO} (the direction it was trained in and the chat
 * template it was trained with), so every later stage prompts it exactly as it was trained.
 *
 * @param model    the weights, decoder, stop ids and tokenizer (never null here)
 * @param info     how it was trained
 * @param template its chat template, resolved for its tokenizer
 */
public record TrainedModel(LoadedModel model, Info info, ChatTemplate template) implements AutoCloseable {

    /** The file beside model/ that says how the model was trained. */
    public static final String INFO = "trained.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param direction    forward p(y|x) or reverse p(x|y)
     * @param chatTemplate the chat template name the stage trained with ("model" or a built-in)
     * @param objective    sft or pretrain
     * @param lora         trained as a LoRA adapter (model/ holds the merged weights either way)
     */
    public record Info(PairDirection direction, String chatTemplate, String objective, boolean lora) {}

    /** The HF model folder of a finished train stage. */
    public static Path modelDir(Path stageDir) {
        return stageDir.resolve("model");
    }

    /** Opens the model of the finished train stage in {@code stageDir}, with all processors for the matrix products. */
    public static TrainedModel open(Path stageDir) {
        Info info = readInfo(stageDir);
        LoadedModel model = LoadedModel.open(modelDir(stageDir), null, true, Runtime.getRuntime().availableProcessors());
        try {
            TextTokenizer tok = model.requireTokenizer("stage " + stageDir.getFileName());
            return new TrainedModel(model, info, ChatTemplate.forTokenizer(info.chatTemplate(), tok));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public TextTokenizer tokenizer() {
        return model.tokenizer();
    }

    /** An encoder with the model's tokenizer and chat template. */
    public ChatEncoder encoder() {
        return new ChatEncoder(model.tokenizer(), template);
    }

    @Override
    public void close() {
        model.close();
    }

    public static void writeInfo(Path stageDir, Info info) {
        ObjectNode o = JSON.createObjectNode();
        o.put("direction", info.direction().recipeName());
        o.put("chat_template", info.chatTemplate());
        o.put("objective", info.objective());
        o.put("lora", info.lora());
        AtomicFile.writeString(stageDir.resolve(INFO), o.toPrettyString() + "\n");
    }

    /** How the stage in {@code stageDir} trained its model; a clear error when it is not a train stage's folder. */
    public static Info readInfo(Path stageDir) {
        Path file = stageDir.resolve(INFO);
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(stageDir + ": no " + INFO + ": expected the folder of a finished train stage");
        }
        try {
            JsonNode o = JSON.readTree(file.toFile());
            return new Info(PairDirection.named(o.path("direction").asText()), o.path("chat_template").asText(),
                    o.path("objective").asText(), o.path("lora").asBoolean());
        } catch (IOException | IllegalArgumentException e) {
            throw new UserInputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
