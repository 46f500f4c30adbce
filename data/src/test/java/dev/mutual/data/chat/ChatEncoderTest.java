package dev.mutual.data.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.data.tokenizer.TokenizerFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.mutual.data.chat.ChatMessage.assistant;
import static dev.mutual.data.chat.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loss masks on the real tokenizers: the trainable tokens are exactly each assistant reply and its end-of-turn
 * token, and the ids are those of the whole rendered text (HF tokenizers library, hf_reference.json).
 */
class ChatEncoderTest {
    static final List<ChatMessage> MULTI_TURN = ChatTemplateTest.MULTI_TURN;
    static TextTokenizer qwen3;
    static TextTokenizer llama3;
    static TextTokenizer mistral;
    static TextTokenizer llama2c;
    static JsonNode reference;

    @BeforeAll
    static void load() {
        qwen3 = TokenizerFixtures.qwen3();
        llama3 = TokenizerFixtures.llama3();
        mistral = TokenizerFixtures.mistral();
        llama2c = TextTokenizer.load(TokenizerFixtures.TOK512);
        reference = TokenizerFixtures.hfReference();
    }

    /** The maximal runs of trainable tokens, as id arrays. */
    static List<int[]> trainableRuns(EncodedChat chat) {
        List<int[]> runs = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= chat.ids().length; i++) {
            boolean on = i < chat.ids().length && chat.lossMask()[i] == 1;
            if (on && start < 0) {
                start = i;
            } else if (!on && start >= 0) {
                runs.add(Arrays.copyOfRange(chat.ids(), start, i));
                start = -1;
            }
        }
        return runs;
    }

    static EncodedChat encode(TextTokenizer tok, String template, List<ChatMessage> messages) {
        return new ChatEncoder(tok, ChatTemplate.forTokenizer(template, tok)).encode(messages);
    }

    @Test
    void qwen3RealTemplateMasksRepliesAndImEnd() {
        EncodedChat chat = encode(qwen3, "model", MULTI_TURN);
        List<int[]> runs = trainableRuns(chat);
        assertEquals(2, runs.size());
        // "Paris"=59604 "."=13 "<|im_end|>"=151645; "Rome" splits as "R"=49 "ome"=635.
        assertArrayEquals(new int[] {59604, 13, 151645}, runs.get(0));
        assertArrayEquals(new int[] {49, 635, 13, 151645}, runs.get(1));
        assertEquals("Paris.<|im_end|>", qwen3.decode(runs.get(0), false));
        assertEquals(7, chat.trainableTokens());
        // The "\n" after <|im_end|> and the empty think block before "Rome." are prompt, not trained.
        assertEquals(chat.ids().length, chat.lossMask().length);
    }

    @Test
    void llama3RealTemplateMasksRepliesAndEotId() {
        List<int[]> runs = trainableRuns(encode(llama3, "model", MULTI_TURN));
        assertEquals(2, runs.size());
        assertArrayEquals(new int[] {60704, 13, 128009}, runs.get(0));
        assertArrayEquals(new int[] {49, 638, 13, 128009}, runs.get(1));
        assertEquals("Rome.<|eot_id|>", llama3.decode(runs.get(1), false));
    }

    @Test
    void sentencePieceMasksIncludeTheTokenThatCarriesTheSpace() {
        // llama-2 writes " Paris. </s>": "▁Paris" covers the template's space, and "▁" + "</s>" close the turn.
        List<int[]> llama2 = trainableRuns(encode(mistral, "llama-2", MULTI_TURN));
        assertEquals(2, llama2.size());
        assertArrayEquals(new int[] {5465, 28723, 28705, 2}, llama2.get(0));
        assertEquals("▁Paris", mistral.token(5465));
        // mistral writes "[/INST]Paris.</s>" with no space, so the reply starts with "Par" "is", no "▁".
        List<int[]> mistralRuns = trainableRuns(encode(mistral, "mistral", MULTI_TURN));
        assertArrayEquals(new int[] {3916, 278, 28723, 2}, mistralRuns.get(0));
        assertEquals("Par", mistral.token(3916));
        // vicuna on a byte-level BPE: "ĠParis" (12366) carries the space after "ASSISTANT:".
        List<int[]> vicuna = trainableRuns(encode(llama3, "vicuna", MULTI_TURN));
        assertArrayEquals(new int[] {12366, 13, 128001}, vicuna.get(0));
    }

    @Test
    void llama2cAlpacaMasksRepliesAndEos() {
        EncodedChat chat = encode(llama2c, "alpaca", MULTI_TURN);
        List<int[]> runs = trainableRuns(chat);
        assertEquals(2, runs.size());
        // tok512.bin: "P"=460 "ar"=295 "is"=293 "."=426, EOS=2 (the text "</s>" in the template).
        assertArrayEquals(new int[] {460, 295, 293, 426, 2}, runs.get(0));
        assertEquals("Rome.</s>", llama2c.decode(runs.get(1), false));
        assertEquals(1, chat.ids()[0]); // alpaca starts with the tokenizer's BOS text "<s>"
    }

    @Test
    void idsEqualTheWholeRenderedTextAndHfForEveryReferenceChat() {
        int checked = 0;
        for (TextTokenizer tok : new TextTokenizer[] {qwen3, llama3}) {
            String name = tok == qwen3 ? "qwen3" : "llama3";
            ChatEncoder encoder = new ChatEncoder(tok, ChatTemplate.forTokenizer("model", tok));
            for (JsonNode chat : reference.get("tokenizers").get(name).get("chats")) {
                List<ChatMessage> messages = new ArrayList<>();
                for (JsonNode m : reference.get("conversations").get(chat.get("conversation").asText())) {
                    messages.add(new ChatMessage(ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase(Locale.ROOT)),
                            m.get("content").asText()));
                }
                int[] expected = ints(chat.get("tokenizer_json_ids"));
                if (chat.get("add_generation_prompt").asBoolean()) {
                    assertArrayEquals(expected, encoder.promptIds(messages), name + " prompt " + chat.get("conversation"));
                } else if (messages.get(messages.size() - 1).role() == ChatMessage.Role.ASSISTANT) {
                    EncodedChat encoded = encoder.encode(messages);
                    assertEquals(chat.get("text").asText(), encoded.text());
                    assertArrayEquals(expected, encoded.ids(), name + " " + chat.get("conversation"));
                }
                checked++;
            }
        }
        assertEquals(12, checked);
        for (String template : new String[] {"llama-2", "mistral", "vicuna", "alpaca"}) {
            EncodedChat chat = encode(mistral, template, MULTI_TURN);
            assertArrayEquals(mistral.encode(chat.text(), false), chat.ids(), template);
        }
    }

    /**
     * Why ChatEncoder tokenizes the whole text once: concatenating separately encoded segments gives the same ids
     * for the byte-level BPEs here (segments meet at special tokens or newlines), but not for SentencePiece,
     * which prepends its dummy "▁" to every separately encoded piece.
     */
    @Test
    void segmentConcatenationMatchesOnlyForByteLevelTokenizers() {
        for (TextTokenizer tok : new TextTokenizer[] {qwen3, llama3}) {
            String text = ChatTemplate.forTokenizer("model", tok).render(MULTI_TURN, false);
            String eot = tok == qwen3 ? "<|im_end|>" : "<|eot_id|>";
            assertArrayEquals(tok.encode(text, false), concatenated(tok, text, "Paris." + eot, "Rome." + eot));
        }
        String text = ChatTemplate.forTokenizer("llama-2", mistral).render(MULTI_TURN, false);
        int[] whole = mistral.encode(text, false);
        int[] segments = concatenated(mistral, text, " Paris. </s>", " Rome. </s>");
        assertFalse(Arrays.equals(whole, segments));
        // " Paris. </s>" alone gets its own dummy prefix: a lone "▁" (28705) before "▁Paris" (tokenizers library:
        // ['▁', '▁Paris', '.', '▁', '</s>']), one extra token per reply.
        assertArrayEquals(new int[] {28705, 5465, 28723, 28705, 2}, mistral.encode(" Paris. </s>", false));
        assertEquals(whole.length + 2, segments.length);
    }

    private static int[] concatenated(TextTokenizer tok, String text, String... replies) {
        List<String> segments = new ArrayList<>();
        int from = 0;
        for (String reply : replies) {
            int at = text.indexOf(reply, from);
            segments.add(text.substring(from, at));
            segments.add(reply);
            from = at + reply.length();
        }
        segments.add(text.substring(from));
        List<Integer> ids = new ArrayList<>();
        for (String s : segments) {
            for (int id : tok.encode(s, false)) {
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void promptIdsEndWithTheGenerationPrompt() {
        ChatEncoder encoder = new ChatEncoder(qwen3, ChatTemplate.forTokenizer("chatml", qwen3));
        int[] ids = encoder.promptIds(List.of(user("Hi")));
        // <|im_start|> user \n Hi <|im_end|> \n <|im_start|> assistant \n
        assertArrayEquals(new int[] {151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198}, ids);
        assertEquals("assistant", qwen3.token(77091));
    }

    @Test
    void conversationsWithoutATrainableReplyAreRejected() {
        ChatEncoder encoder = new ChatEncoder(qwen3, ChatTemplate.forTokenizer("model", qwen3));
        UserInputException none = assertThrows(UserInputException.class, () -> encoder.encode(List.of(user("Hi"))));
        assertTrue(none.getMessage().contains("no assistant reply"), none.getMessage());
        UserInputException empty = assertThrows(UserInputException.class,
                () -> encoder.encode(List.of(user("Hi"), assistant("  "))));
        assertTrue(empty.getMessage().contains("message 1 (assistant) is empty"), empty.getMessage());
        // Qwen3 drops the reasoning of earlier replies, so the reply is not in the text as written.
        UserInputException rewritten = assertThrows(UserInputException.class, () -> encoder.encode(List.of(
                user("Hi"), assistant("<think>\nwave back\n</think>\n\nHello!"), user("Bye"), assistant("Bye!"))));
        assertTrue(rewritten.getMessage().contains("message 1 (assistant)")
                && rewritten.getMessage().contains("verbatim"), rewritten.getMessage());
    }

    static int[] ints(JsonNode array) {
        return TokenizerFixtures.ints(array);
    }

    /** A template that drops the messages is named as the culprit (generate blamed "--prompt encodes to no tokens"). */
    @Test
    void aTemplateThatRendersEmptyIsNamed() {
        ChatEncoder encoder = new ChatEncoder(llama2c, new JinjaChatTemplate("{% if false %}{{ messages }}{% endif %}", "<s>", "</s>"));
        UserInputException e = assertThrows(UserInputException.class, () -> encoder.promptIds(List.of(user("Hello there"))));
        assertTrue(e.getMessage().startsWith("chat template jinja chat_template (") && e.getMessage().contains(") renders 1 message as empty text"),
                e.getMessage());
        // The training form too, and a template read from a file names the file.
        Path file = Path.of("model", "tokenizer_config.json");
        ChatEncoder fromFile = new ChatEncoder(llama2c,
                new JinjaChatTemplate("{% if false %}{{ messages }}{% endif %}", "<s>", "</s>", Map.of(), file));
        UserInputException training = assertThrows(UserInputException.class,
                () -> fromFile.encode(List.of(user("Hello there"), assistant("Hi"))));
        assertEquals("chat template jinja chat_template of " + file + " (39 chars) renders 2 messages as empty text"
                + " (expected the messages in the template's format; check the template, e.g. the chat_template of"
                + " tokenizer_config.json)", training.getMessage());
    }
}
