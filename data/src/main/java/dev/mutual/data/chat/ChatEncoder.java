package dev.mutual.data.chat;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatMessage.Role;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.data.tokenizer.TokenSpans;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Conversation to token ids with a loss mask that is 1 exactly on assistant replies and their end-of-turn token.
 *
 * <p>How: render the whole conversation once, tokenize the whole text once (so the ids are exactly what the
 * model sees at inference and what HF's {@code apply_chat_template(tokenize=True)} gives), and mark the
 * character ranges of the assistant replies; a token is trainable when its character span overlaps such a
 * range. Tokenizing segment by segment and concatenating does not give the same ids in general: a SentencePiece
 * tokenizer adds its dummy-prefix "▁" at the start of every separately encoded piece, and BPE merges across a
 * segment boundary (" Paris" is one token) are lost (ChatEncoderTest shows both). A token that straddles a
 * boundary (Llama-2's "▁Paris" covers the template's space) counts as trainable.
 *
 * <p>A reply's range is found in the rendered text: after the prompt that precedes it (the render of the
 * earlier messages with the generation prompt, when that is a prefix of the full text) and after the earlier
 * messages' contents, search for the reply stripped of surrounding whitespace (templates strip or trim it);
 * then extend over spaces and an end-of-turn token (EOS, "&lt;|im_end|&gt;", "&lt;|eot_id|&gt;", ...) that
 * follows directly. A template that rewrites replies (e.g. Qwen3 with "&lt;/think&gt;" in the content) is
 * rejected with a clear message instead of getting a wrong mask.
 */
public final class ChatEncoder {
    /** End-of-turn tokens of common formats; only those the tokenizer treats as special are used. */
    private static final List<String> KNOWN_END_OF_TURN =
            List.of("<|im_end|>", "<|eot_id|>", "<|end|>", "<|endoftext|>", "<end_of_turn>", "</s>");

    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final List<String> endOfTurnTokens;

    public ChatEncoder(TextTokenizer tokenizer, ChatTemplate template) {
        this.tokenizer = tokenizer;
        this.template = template;
        Set<String> eot = new LinkedHashSet<>();
        tokenizer.eosToken().filter(s -> !s.isEmpty()).ifPresent(eot::add);
        for (String token : KNOWN_END_OF_TURN) {
            if (tokenizer.specialTokens().contains(token)) {
                eot.add(token);
            }
        }
        List<String> sorted = new ArrayList<>(eot);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        this.endOfTurnTokens = List.copyOf(sorted);
    }

    public ChatTemplate template() {
        return template;
    }

    /** Training form: the whole conversation, loss on the assistant replies. */
    public EncodedChat encode(List<ChatMessage> messages) {
        String text = rendered(messages, false);
        List<int[]> ranges = assistantRanges(messages, text);
        TokenSpans tokens = tokenizer.encodeWithSpans(text);
        int[] mask = new int[tokens.size()];
        for (int i = 0; i < mask.length; i++) {
            for (int[] r : ranges) {
                if (tokens.start()[i] < r[1] && tokens.end()[i] > r[0]) {
                    mask[i] = 1;
                    break;
                }
            }
        }
        return new EncodedChat(text, tokens.ids(), mask);
    }

    /** Generation form: the conversation so far plus the generation prompt, as ids for the model to continue. */
    public int[] promptIds(List<ChatMessage> messages) {
        return tokenizer.encodeWithSpans(rendered(messages, true)).ids();
    }

    private String rendered(List<ChatMessage> messages, boolean addGenerationPrompt) {
        String text = template.render(messages, addGenerationPrompt);
        if (text.isBlank() && messages.stream().anyMatch(m -> !m.content().isBlank())) {
            // Name the template, not the prompt: the messages had text, the template dropped it.
            throw new UserInputException("chat template " + template.name() + " renders " + messages.size() + " message"
                    + (messages.size() == 1 ? "" : "s") + " as empty text (expected the messages in the template's format;"
                    + " check the template, e.g. the chat_template of tokenizer_config.json)");
        }
        return text;
    }

    /** [start, end) character ranges of each assistant reply plus its end-of-turn token in {@code text}. */
    private List<int[]> assistantRanges(List<ChatMessage> messages, String text) {
        List<int[]> ranges = new ArrayList<>();
        int cursor = 0;
        for (int k = 0; k < messages.size(); k++) {
            ChatMessage m = messages.get(k);
            String needle = PythonStringMethods.strip(m.content());
            if (m.role() != Role.ASSISTANT) {
                int at = needle.isEmpty() ? -1 : text.indexOf(needle, cursor);
                if (at >= 0) {
                    cursor = at + needle.length();
                }
                continue;
            }
            if (needle.isEmpty()) {
                throw new UserInputException("chat message " + k + " (assistant) is empty: nothing to train on");
            }
            String prompt = template.render(messages.subList(0, k), true);
            if (text.startsWith(prompt)) {
                cursor = Math.max(cursor, prompt.length());
            }
            int start = text.indexOf(needle, cursor);
            if (start < 0) {
                throw new UserInputException("chat message " + k + " (assistant): template " + template.name()
                        + " does not write this reply verbatim, so its loss mask cannot be placed; reply starts \""
                        + abbreviate(needle) + "\"");
            }
            int end = start + needle.length();
            int after = end;
            while (after < text.length() && text.charAt(after) == ' ') {
                after++;
            }
            for (String eot : endOfTurnTokens) {
                if (text.startsWith(eot, after)) {
                    end = after + eot.length();
                    break;
                }
            }
            ranges.add(new int[] {start, end});
            cursor = end;
        }
        if (ranges.isEmpty()) {
            throw new UserInputException("chat of " + messages.size()
                    + " messages has no assistant reply: nothing to train on");
        }
        return ranges;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
