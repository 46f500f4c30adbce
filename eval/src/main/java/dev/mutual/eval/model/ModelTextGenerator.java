package dev.mutual.eval.model;

import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.TextGenerator;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link TextGenerator} over the trainer's {@link Generator}: encodes each prompt (as one user turn of the chat
 * template when the settings ask for chat, else as raw text after BOS), generates {@code batchSize} prompts per
 * packed pass, and returns the decoded continuations cut before the first stop string. Generation stops at the
 * model's EOS ids and, in chat mode, at end-of-turn markers the tokenizer knows as single special tokens.
 *
 * <p>A prompt so long that fewer than {@code maxNewTokens} positions remain gets the room that is left (a greedy
 * continuation with a smaller budget is a prefix of the longer one). Prompts are grouped by that budget, so what a
 * prompt gets does not depend on which other prompts share its call.
 */
public final class ModelTextGenerator implements TextGenerator {
    private static final Logger log = LoggerFactory.getLogger(ModelTextGenerator.class);
    /** End-of-turn markers of common chat formats (ChatML, Llama 3, Phi-3, Gemma). */
    private static final List<String> END_OF_TURN = List.of("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>");

    private final Decoder decoder;
    private final TextTokenizer tokenizer;
    private final List<Integer> eosTokenIds;
    private final ChatTemplate chatTemplate;
    private final String system;
    private boolean emptyWhenTooLong;
    private long promptsTooLong;
    private final int batchSize;
    /** New tokens generated over this generator's life, for tokens/s figures. */
    private long generatedTokens;

    /**
     * @param chatTemplate used for settings with chat on; null when the model has none (chat settings then fail)
     * @param batchSize    prompts per packed generation pass, e.g. 8
     */
    public ModelTextGenerator(Decoder decoder, TextTokenizer tokenizer, List<Integer> eosTokenIds, ChatTemplate chatTemplate, int batchSize) {
        this(decoder, tokenizer, eosTokenIds, chatTemplate, null, batchSize);
    }

    /**
     * @param system a system message before every chat prompt (e.g. the tag a Humpback-style model was trained with
     *               for seed data), or null for none
     */
    public ModelTextGenerator(Decoder decoder, TextTokenizer tokenizer, List<Integer> eosTokenIds, ChatTemplate chatTemplate,
                              String system, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.eosTokenIds = List.copyOf(eosTokenIds);
        this.chatTemplate = chatTemplate;
        this.system = system;
        this.batchSize = batchSize;
    }

    /** New tokens generated so far by all calls (the stop token included, as the generator counts them). */
    public long generatedTokens() {
        return generatedTokens;
    }

    /** The token ids the model sees for {@code prompt} under {@code chat}. */
    public int[] promptIds(String prompt, boolean chat) {
        if (!chat) return tokenizer.encode(prompt, true);
        if (chatTemplate == null) throw new UserInputException("this evaluation wraps prompts in a chat template, but none was given: pass --chat-template NAME");
        List<ChatMessage> messages = system == null ? List.of(ChatMessage.user(prompt))
                : List.of(ChatMessage.system(system), ChatMessage.user(prompt));
        return new ChatEncoder(tokenizer, chatTemplate).promptIds(messages);
    }

    @Override
    public List<String> generate(List<String> prompts, GenerationSettings settings) {
        List<int[]> ids = new ArrayList<>(prompts.size());
        for (String prompt : prompts) ids.add(promptIds(prompt, settings.chat()));
        return generateFromIds(ids, prompts, settings);
    }

    /**
     * The assistant's next reply to each conversation (multi-turn benchmarks such as MT-Bench): each conversation is
     * rendered with the chat template up to a new assistant turn. {@code settings.chat()} must be on.
     */
    public List<String> generateReplies(List<List<ChatMessage>> conversations, GenerationSettings settings) {
        if (!settings.chat()) throw new IllegalArgumentException("replies to conversations need chat settings");
        if (chatTemplate == null) throw new UserInputException("this evaluation holds conversations in a chat template, but none was given: pass --chat-template NAME");
        ChatEncoder encoder = new ChatEncoder(tokenizer, chatTemplate);
        List<int[]> ids = new ArrayList<>(conversations.size());
        List<String> labels = new ArrayList<>(conversations.size());
        for (List<ChatMessage> conversation : conversations) {
            ids.add(encoder.promptIds(conversation));
            labels.add(conversation.get(conversation.size() - 1).content());
        }
        return generateFromIds(ids, labels, settings);
    }

    /**
     * Answers a prompt that leaves no room to generate with an empty reply (logged and counted in
     * {@link #promptsTooLong()}) instead of stopping: a small model with a short context then still gets a score on
     * a benchmark whose longest prompts it cannot read, and the report says how many it could not.
     */
    public ModelTextGenerator emptyReplyWhenPromptTooLong() {
        this.emptyWhenTooLong = true;
        return this;
    }

    /** Prompts answered with an empty reply because they left no room to generate (see {@link #emptyReplyWhenPromptTooLong}). */
    public long promptsTooLong() {
        return promptsTooLong;
    }

    /** Generates after each prompt's ids; {@code labels} name the prompts in error messages. */
    private List<String> generateFromIds(List<int[]> ids, List<String> labels, GenerationSettings settings) {
        int maxPositions = decoder.config().maxPositions(), vocab = decoder.config().vocabSize();
        // prompt index by new-token budget, in order: each group is generated with one budget
        Map<Integer, List<Integer>> byBudget = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            int[] p = ids.get(i);
            if (p.length == 0) throw new UserInputException("prompt " + i + " encodes to no tokens and the tokenizer adds no BOS");
            for (int id : p) {
                if (id >= vocab) throw new UserInputException("prompt " + i + ": the tokenizer produced id " + id
                        + " but the model's vocab_size is " + vocab + " (tokenizer and model do not match?)");
            }
            int room = maxPositions - p.length;
            if (room < 1 && emptyWhenTooLong) {
                log.warn("prompt {} is {} tokens, over the model's {} positions: answered with an empty reply (\"{}\")",
                        i, p.length, maxPositions, abbreviate(labels.get(i)));
                promptsTooLong++;
                continue;
            }
            if (room < 1) throw new UserInputException("prompt " + i + " is " + p.length + " tokens; the model's limit is " + maxPositions
                    + " positions, leaving no room to generate (\"" + abbreviate(labels.get(i)) + "\")");
            int budget = Math.min(settings.maxNewTokens(), room);
            if (budget < settings.maxNewTokens()) {
                log.warn("prompt {} ({} tokens): max new tokens lowered from {} to {} (max_position_embeddings {})",
                        i, p.length, settings.maxNewTokens(), budget, maxPositions);
            }
            byBudget.computeIfAbsent(budget, k -> new ArrayList<>()).add(i);
        }
        List<Integer> stopIds = new ArrayList<>(eosTokenIds);
        if (settings.chat()) stopIds.addAll(endOfTurnIds());
        String[] out = new String[ids.size()];
        Arrays.fill(out, "");  // prompts too long to answer keep an empty reply
        Generator generator = new Generator(decoder);
        Progress progress = new Progress(log, "generate", ids.size(), "responses", 5000);
        int done = 0;
        long newTokens = 0;
        for (var group : byBudget.entrySet()) {
            GenerationOptions options = new GenerationOptions(group.getKey(), settings.temperature(), 0, settings.topP(), 1,
                    stopIds, settings.stop(), settings.seed());
            List<Integer> members = group.getValue();
            for (int b0 = 0; b0 < members.size(); b0 += batchSize) {
                List<Integer> batch = members.subList(b0, Math.min(members.size(), b0 + batchSize));
                List<int[]> batchIds = batch.stream().map(ids::get).toList();
                // Stop strings are watched on the new tokens decoded alone; the text kept is decoded after the prompt
                // (so a leading space survives) and cut at the first stop string.
                List<Generator.Result> results = generator.generate(batchIds, options, tokenizer::decode);
                for (int j = 0; j < batch.size(); j++) {
                    Generator.Result r = results.get(j);
                    out[batch.get(j)] = settings.cutAtStop(continuation(batchIds.get(j), r.tokens()));
                    newTokens += r.tokens().length;
                    generatedTokens += r.tokens().length;
                }
                done += batch.size();
                progress.update(done, newTokens + " new tokens");
            }
        }
        progress.finish();
        return Arrays.asList(out);
    }

    /** The text {@code newIds} add after {@code prompt}: decoded together so word-initial spaces survive. */
    private String continuation(int[] prompt, int[] newIds) {
        return continuation(tokenizer, prompt, newIds);
    }

    /** The text {@code newIds} add after {@code prompt}: decoded together so word-initial spaces survive. */
    public static String continuation(TextTokenizer tokenizer, int[] prompt, int[] newIds) {
        int[] all = Arrays.copyOf(prompt, prompt.length + newIds.length);
        System.arraycopy(newIds, 0, all, prompt.length, newIds.length);
        String before = tokenizer.decode(prompt), text = tokenizer.decode(all);
        return text.startsWith(before) ? text.substring(before.length()) : tokenizer.decode(newIds);
    }

    private List<Integer> endOfTurnIds() {
        return endOfTurnIds(tokenizer);
    }

    /** The ids of the end-of-turn markers of common chat formats that {@code tokenizer} has as single special tokens. */
    public static List<Integer> endOfTurnIds(TextTokenizer tokenizer) {
        List<Integer> ids = new ArrayList<>();
        for (String eot : END_OF_TURN) {
            if (!tokenizer.specialTokens().contains(eot)) continue;
            int[] one = tokenizer.encodeWithSpans(eot).ids();
            if (one.length == 1) ids.add(one[0]);
        }
        return ids;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
