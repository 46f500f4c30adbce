package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.hub.HubPath;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.model.ModelTextGenerator;
import dev.mutual.eval.run.GeneratedResponses;
import dev.mutual.eval.run.Limits;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code [--chat-template NAME] [--max-new-tokens N] [--limit N] [--batch-size N]}: how {@code eval ifeval},
 * {@code eval gsm8k} and {@code eval strategyqa} generate when given {@code --model} instead of responses.
 */
final class ModelEvalOptions {
    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "With --model, for chat benchmarks: 'model' (the tokenizer's own chat_template, default) or a built-in: "
                    + "llama-2, mistral, chatml, llama-3, vicuna, alpaca.")
    String chatTemplate;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "With --model: generation budget per response (default: the benchmark's).")
    @Range(min = 1)
    Integer maxNewTokens;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N items (recorded in results.json as 'limit').")
    @Range(min = 1)
    Integer limit;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "N",
            description = "With --model: prompts per packed generation pass (default: ${DEFAULT-VALUE}); greedy responses do not depend on it.")
    @Range(min = 1)
    int batchSize;

    /** Rejects generation options given without {@code --model}, and bad numbers. */
    void check(boolean model) {
        if (!model && chatTemplate != null) throw new UserInputException("--chat-template needs --model (it says how to prompt a model)");
        if (!model && maxNewTokens != null) throw new UserInputException("--max-new-tokens needs --model (responses given as a file are already generated)");
    }

    /** The first {@code --limit} items, or all. */
    <T> List<T> limit(List<T> items) {
        return limit == null || limit >= items.size() ? items : items.subList(0, limit);
    }

    /** The benchmark's generation settings with {@code --max-new-tokens} applied. */
    GenerationSettings settings(GenerationSettings benchmark) {
        return maxNewTokens == null ? benchmark : benchmark.withMaxNewTokens(maxNewTokens);
    }

    /** The chat template's name as given, "model" (the tokenizer's own) by default. */
    String chatTemplateName() {
        return chatTemplate == null ? "model" : chatTemplate;
    }

    /** A generator over the loaded model; the chat template is resolved only when the benchmark prompts in chat form. */
    ModelTextGenerator generator(ModelOptions.Loaded m, boolean chat) {
        var tok = m.requireTokenizer("generating responses");
        ChatTemplate template = chat ? ChatTemplate.forTokenizer(chatTemplateName(), tok) : null;
        return new ModelTextGenerator(m.decoder(), tok, m.eosTokenIds(), template, batchSize);
    }

    /** The limit as results.json records it. */
    String limitSetting(int items) {
        return Limits.describe(limit == null ? 0 : limit, items);
    }

    /** What results.json records about the model and the limit (the eval runs add how they generated). */
    Map<String, Object> record(ModelOptions model, int items) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", HubPath.nameOf(model.model));
        if (model.tokenizer != null) out.put("tokenizer", HubPath.nameOf(model.tokenizer));
        out.put("limit", limitSetting(items));
        return out;
    }

    /** What results.json records about a model run, generation settings included. */
    Map<String, Object> record(ModelOptions model, GenerationSettings settings, int items) {
        Map<String, Object> out = record(model, items);
        out.putAll(GeneratedResponses.settings(settings, chatTemplateName()));
        return out;
    }
}
