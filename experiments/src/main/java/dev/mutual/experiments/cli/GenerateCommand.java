package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mutual generate}: the continuation of one prompt, and only that, on stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation of --prompt. Prints only the continuation to stdout (logs go to stderr).")
final class GenerateCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GenerateCommand.class);

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, description = "Prompt text (BOS is added; \"\" starts from BOS alone).")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "At most this many new tokens (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default), else sampling temperature.")
    @Range(min = 0)
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k most likely tokens; 0 = off (default).")
    @Range(min = 0)
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling threshold; 1 = off (default).")
    @Range(min = 0, max = 1, exclusive = true)
    double topP;

    @Option(names = "--repetition-penalty", defaultValue = "1", description = "HF repetition penalty; 1 = off (default).")
    @Range(min = 0, exclusive = true)
    double repetitionPenalty;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed for sampling (default: ${DEFAULT-VALUE}).")
    @Range
    long seed;

    @Option(names = "--stop", description = "Stop string (repeatable); the output is cut before it.")
    List<String> stops = List.of();

    @Option(names = "--chat", description = "Wrap --prompt as one user message in the chat template and generate the reply.")
    boolean chat;

    @Option(names = "--chat-template", defaultValue = "model", paramLabel = "NAME",
            description = "With --chat: 'model' (the tokenizer's own chat_template, default) or a built-in: llama-2, mistral, chatml, llama-3, vicuna, alpaca.")
    String chatTemplate;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        GenerationOptions options;
        try {
            options = new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, List.of(), stops, seed);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("generate: " + e.getMessage());
        }
        try (ModelOptions.Loaded m = modelOptions.load(true)) {
            TextTokenizer tok = m.requireTokenizer("--prompt");
            List<Integer> stopIds = new java.util.ArrayList<>(m.eosTokenIds());
            int[] ids;
            if (chat) {
                ChatTemplate template = ChatTemplate.forTokenizer(chatTemplate, tok);
                ids = new ChatEncoder(tok, template).promptIds(List.of(ChatMessage.user(prompt)));
                // End-of-turn markers the tokenizer knows as single special tokens also end the reply.
                for (String eot : List.of("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>")) {
                    if (!tok.specialTokens().contains(eot)) continue;
                    int[] one = tok.encodeWithSpans(eot).ids();
                    if (one.length == 1) stopIds.add(one[0]);
                }
                log.info("chat template {}: {} prompt tokens", template.name(), ids.length);
            } else {
                ids = tok.encode(prompt, true);
            }
            for (int id : ids) {
                if (id >= m.weights().config().vocabSize()) {
                    throw new UserInputException("--prompt: the tokenizer produced id " + id + " but the model's vocab_size is "
                            + m.weights().config().vocabSize() + " (tokenizer and model do not match?)");
                }
            }
            if (ids.length == 0) throw new UserInputException("--prompt encodes to no tokens and the tokenizer adds no BOS; give a non-empty prompt");
            int room = m.weights().config().maxPositions() - ids.length;
            if (room <= 0) throw new UserInputException("--prompt is " + ids.length + " tokens, the model's limit is " + m.weights().config().maxPositions());
            if (maxNewTokens > room) {
                log.warn("--max-new-tokens {} lowered to {} (max_position_embeddings {})", maxNewTokens, room, m.weights().config().maxPositions());
                options = new GenerationOptions(room, temperature, topK, topP, repetitionPenalty, List.of(), stops, seed);
            }
            options = options.withStops(stopIds, stops);
            String before = tok.decode(ids);
            long t0 = System.nanoTime();
            Generator.Result r = new Generator(m.decoder()).generate(List.of(ids), options, newIds -> {
                int[] all = Arrays.copyOf(ids, ids.length + newIds.length);
                System.arraycopy(newIds, 0, all, ids.length, newIds.length);
                String text = tok.decode(all);
                return text.startsWith(before) ? text.substring(before.length()) : tok.decode(newIds);
            }).get(0);
            double s = (System.nanoTime() - t0) / 1e9;
            spec.commandLine().getOut().print(r.text());
            spec.commandLine().getOut().println();
            spec.commandLine().getOut().flush();
            log.info("{} prompt tokens, {} new tokens in {} s ({} tokens/s), finished by {}", ids.length, r.tokens().length,
                    String.format("%.3f", s), String.format("%.0f", r.tokens().length / Math.max(s, 1e-9)), r.finish());
        }
        return 0;
    }
}
