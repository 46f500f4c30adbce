package dev.mutual.experiments.serve;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.HfTokenizer;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.model.LoadedModel;
import dev.mutual.eval.model.ModelTextGenerator;
import dev.mutual.experiments.model.TrainedModel;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.lora.LoraMerge;
import dev.mutual.trainer.model.DecoderWeights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model a server answers with: weights and decoder, tokenizer, stop ids and (when there is one) the chat template.
 *
 * @param name         the id clients see in {@code /v1/models} and every reply
 * @param template     the chat template, or null: then {@code /v1/chat/completions} answers 400
 * @param chatStopIds  EOS ids plus the end-of-turn markers the tokenizer has as single tokens (a chat reply's end)
 */
public record ServedModel(String name, LoadedModel model, ChatTemplate template, List<Integer> chatStopIds) implements AutoCloseable {

    public ServedModel {
        chatStopIds = List.copyOf(chatStopIds);
    }

    /**
     * @param path         an HF model directory, a finished train stage's folder (model/ + trained.json: its chat
     *                     template is the default) or a llama2.c .bin (with {@code tokenizer})
     * @param tokenizer    a tokenizer to use instead of the model's own, or null
     * @param adapter      a PEFT LoRA adapter directory merged into the weights at load, or null
     * @param chatTemplate "model", a built-in name, or null for the default (the train stage's, else the tokenizer's
     *                     own when it has one, else none)
     * @param name         the served name, or null for the model folder's name
     */
    public static ServedModel open(Path path, Path tokenizer, Path adapter, String chatTemplate, String name, int threads) {
        if (!Files.exists(path)) throw new UserInputException("--model " + path + ": no such file or directory");
        Path modelPath = path;
        String template = chatTemplate;
        if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(TrainedModel.INFO))) {
            modelPath = TrainedModel.modelDir(path);
            if (template == null) template = TrainedModel.readInfo(path).chatTemplate();
        }
        LoadedModel m = LoadedModel.open(modelPath, tokenizer, true, threads);
        try {
            if (adapter != null) m = withAdapter(m, adapter, threads);
            TextTokenizer tok = m.requireTokenizer("serving text");
            ChatTemplate t = null;
            if (template != null) {
                t = ChatTemplate.forTokenizer(template, tok);
            } else if (tok instanceof HfTokenizer hf && hf.config().chatTemplate().isPresent()) {
                t = ChatTemplate.forTokenizer("model", tok);
            }
            List<Integer> stops = new ArrayList<>(m.eosTokenIds());
            for (int id : ModelTextGenerator.endOfTurnIds(tok)) if (!stops.contains(id)) stops.add(id);
            String served = name != null ? name : defaultName(path);
            return new ServedModel(served, m, t, stops);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static LoadedModel withAdapter(LoadedModel base, Path adapter, int threads) {
        if (!Files.isDirectory(adapter)) {
            throw new UserInputException("--adapter " + adapter + ": not a directory (expected adapter_config.json and adapter_model.safetensors)");
        }
        DecoderWeights merged = LoraMerge.merge(base.weights(), LoraAdapterFile.load(adapter, base.weights().config()));
        base.decoder().close();
        return new LoadedModel(merged, new Decoder(merged, true, threads), base.eosTokenIds(), base.tokenizer());
    }

    private static String defaultName(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        String n = abs.getFileName() == null ? "model" : abs.getFileName().toString();
        return n.endsWith(".bin") ? n.substring(0, n.length() - 4) : n;
    }

    public TextTokenizer tokenizer() {
        return model.tokenizer();
    }

    public Decoder decoder() {
        return model.decoder();
    }

    /** Positions the model reads at most (prompt plus new tokens). */
    public int contextLength() {
        return model.weights().config().maxPositions();
    }

    @Override
    public void close() {
        model.close();
    }
}
