package dev.mutual.experiments.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.model.ModelTextGenerator;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code [--chat-template NAME] [--max-new-tokens N] [--limit N] [--batch-size N]}: how {@code eval ifeval},
 * {@code eval gsm8k} and {@code eval strategyqa} generate when given {@code --model} instead of responses.
 */
final class ModelEvalOptions {
    /** Name of the file of generated responses written beside results.json; it can be passed back as --responses. */
    static final String RESPONSES = "responses.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "With --model, for chat benchmarks: 'model' (the tokenizer's own chat_template, default) or a built-in: "
                    + "llama-2, mistral, chatml, llama-3, vicuna, alpaca.")
    String chatTemplate;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "With --model: generation budget per response (default: the benchmark's).")
    Integer maxNewTokens;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N items (recorded in results.json as 'limit').")
    Integer limit;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "With --model: prompts per packed generation pass (default: ${DEFAULT-VALUE}); greedy responses do not depend on it.")
    int batchSize;

    /** Rejects generation options given without {@code --model}, and bad numbers. */
    void check(boolean model) {
        if (!model && chatTemplate != null) throw new UserInputException("--chat-template needs --model (it says how to prompt a model)");
        if (!model && maxNewTokens != null) throw new UserInputException("--max-new-tokens needs --model (responses given as a file are already generated)");
        if (maxNewTokens != null && maxNewTokens < 1) throw new UserInputException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        if (limit != null && limit < 1) throw new UserInputException("--limit must be >= 1, got " + limit);
        if (batchSize < 1) throw new UserInputException("--batch-size must be >= 1, got " + batchSize);
    }

    /** The first {@code --limit} items, or all. */
    <T> List<T> limit(List<T> items) {
        return limit == null || limit >= items.size() ? items : items.subList(0, limit);
    }

    /** The benchmark's generation settings with {@code --max-new-tokens} applied. */
    GenerationSettings settings(GenerationSettings benchmark) {
        return maxNewTokens == null ? benchmark : benchmark.withMaxNewTokens(maxNewTokens);
    }

    /** A generator over the loaded model; the chat template is resolved only when the benchmark prompts in chat form. */
    ModelTextGenerator generator(ModelOptions.Loaded m, boolean chat) {
        var tok = m.requireTokenizer("generating responses");
        ChatTemplate template = chat ? ChatTemplate.forTokenizer(chatTemplate == null ? "model" : chatTemplate, tok) : null;
        return new ModelTextGenerator(m.decoder(), tok, m.eosTokenIds(), template, batchSize);
    }

    /** What results.json records about a model run. */
    Map<String, Object> record(ModelOptions model, GenerationSettings settings, int items) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.model.toString());
        if (model.tokenizer != null) out.put("tokenizer", model.tokenizer.toString());
        if (settings.chat()) out.put("chat_template", chatTemplate == null ? "model" : chatTemplate);
        out.put("max_new_tokens", settings.maxNewTokens());
        out.put("temperature", settings.temperature());
        out.put("top_p", settings.topP());
        out.put("seed", settings.seed());
        out.put("responses_file", RESPONSES);
        out.put("limit", limit == null ? "none" : limit + " (" + items + " items evaluated)");
        return out;
    }

    /** Writes {@code rows} as JSON lines to DIR/responses.jsonl, atomically. */
    static Path writeResponses(Path dir, List<Map<String, Object>> rows) {
        Path file = dir.resolve(RESPONSES);
        StringBuilder text = new StringBuilder();
        try {
            for (Map<String, Object> row : rows) text.append(JSON.writeValueAsString(row)).append('\n');
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        AtomicFile.writeString(file, text.toString());
        return file;
    }
}
