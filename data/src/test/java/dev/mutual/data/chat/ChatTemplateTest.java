package dev.mutual.data.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.HfTokenizer;
import dev.mutual.data.tokenizer.TokenizerFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.mutual.data.chat.ChatMessage.assistant;
import static dev.mutual.data.chat.ChatMessage.system;
import static dev.mutual.data.chat.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real Qwen3 and Llama-3 chat templates rendered by Jinjava against HF transformers' apply_chat_template
 * (resources/tokenizers/hf_reference.json, tools/hf_chat_reference.py), and the built-ins against their published
 * formats.
 */
class ChatTemplateTest {
    static final List<ChatMessage> MULTI_TURN = List.of(
            system("You are a concise assistant."),
            user("What is the capital of France?"),
            assistant("Paris."),
            user("And of Italy? Answer in one word."),
            assistant("Rome."));
    static HfTokenizer qwen3;
    static HfTokenizer llama3;
    static JsonNode reference;

    @BeforeAll
    static void load() {
        qwen3 = TokenizerFixtures.qwen3();
        llama3 = TokenizerFixtures.llama3();
        reference = TokenizerFixtures.hfReference();
    }

    static List<ChatMessage> conversation(String name) {
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : reference.get("conversations").get(name)) {
            messages.add(new ChatMessage(ChatMessage.Role.valueOf(m.get("role").asText().toUpperCase(Locale.ROOT)),
                    m.get("content").asText()));
        }
        return messages;
    }

    @Test
    void realTemplatesRenderExactlyLikeTransformers() {
        int checked = 0;
        for (HfTokenizer tok : new HfTokenizer[] {qwen3, llama3}) {
            String name = tok == qwen3 ? "qwen3" : "llama3";
            ChatTemplate template = ChatTemplate.forTokenizer("model", tok);
            assertInstanceOf(JinjaChatTemplate.class, template);
            for (JsonNode chat : reference.get("tokenizers").get(name).get("chats")) {
                List<ChatMessage> messages = conversation(chat.get("conversation").asText());
                boolean generationPrompt = chat.get("add_generation_prompt").asBoolean();
                assertEquals(chat.get("text").asText(), template.render(messages, generationPrompt),
                        name + " " + chat.get("conversation").asText() + " add_generation_prompt=" + generationPrompt);
                checked++;
            }
        }
        assertEquals(12, checked);
    }

    @Test
    void qwen3NonThinkingModeThroughATemplateVariable() {
        JinjaChatTemplate real = (JinjaChatTemplate) ChatTemplate.forTokenizer("model", qwen3);
        String text = real.withVariables(java.util.Map.of("enable_thinking", false))
                .render(conversation("prompt_with_system"), true);
        assertEquals(reference.get("tokenizers").get("qwen3").get("enable_thinking_false").asText(), text);
        assertTrue(text.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
    }

    @Test
    void qwen3TemplateAddsAnEmptyThinkBlockOnlyToTheLastReply() {
        String text = ChatTemplate.forTokenizer("model", qwen3).render(MULTI_TURN, false);
        assertTrue(text.contains("<|im_start|>assistant\nParis.<|im_end|>"));
        assertTrue(text.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\nRome.<|im_end|>\n"));
    }

    @Test
    void llama2PublishedFormat() {
        // Meta llama/generation.py chat_completion and the HF Llama-2-chat template: BOS [INST] <<SYS>> ... per turn.
        assertEquals("<s>[INST] <<SYS>>\nYou are a concise assistant.\n<</SYS>>\n\nWhat is the capital of France? "
                        + "[/INST] Paris. </s><s>[INST] And of Italy? Answer in one word. [/INST] Rome. </s>",
                BuiltInChatTemplate.named("llama-2", "<s>", "</s>").render(MULTI_TURN, false));
        assertEquals("<s>[INST] Hi [/INST]",
                BuiltInChatTemplate.named("llama-2", "<s>", "</s>").render(List.of(user("  Hi \n")), true));
    }

    @Test
    void mistralPublishedFormat() {
        // Mistral-7B-Instruct-v0.1 HF template: BOS once, "[INST] u [/INST]" then the reply and EOS with no space.
        assertEquals("<s>[INST] You are a concise assistant.\n\nWhat is the capital of France? [/INST]Paris.</s>"
                        + "[INST] And of Italy? Answer in one word. [/INST]Rome.</s>",
                BuiltInChatTemplate.named("mistral", "<s>", "</s>").render(MULTI_TURN, false));
    }

    @Test
    void chatmlIsQwen3sTemplateWithoutThinking() {
        ChatTemplate chatml = ChatTemplate.forTokenizer("chatml", qwen3);
        ChatTemplate real = ChatTemplate.forTokenizer("model", qwen3);
        List<ChatMessage> prompt = conversation("prompt_with_system");
        assertEquals(real.render(prompt, true), chatml.render(prompt, true));
        assertEquals(real.render(prompt, false), chatml.render(prompt, false));
        // With a final reply Qwen3 inserts the empty think block; otherwise the texts are the same.
        assertEquals(real.render(MULTI_TURN, false),
                chatml.render(MULTI_TURN, false).replace("assistant\nRome.", "assistant\n<think>\n\n</think>\n\nRome."));
        assertEquals("<|im_start|>system\nYou are a concise assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                + "<|im_start|>assistant\nParis.<|im_end|>\n"
                + "<|im_start|>user\nAnd of Italy? Answer in one word.<|im_end|>\n"
                + "<|im_start|>assistant\nRome.<|im_end|>\n", chatml.render(MULTI_TURN, false));
    }

    @Test
    void llama3IsTheRealTemplate() {
        ChatTemplate builtIn = ChatTemplate.forTokenizer("llama-3", llama3);
        ChatTemplate real = ChatTemplate.forTokenizer("model", llama3);
        for (String name : new String[] {"multi_turn_with_system", "prompt_with_system", "no_system_untrimmed"}) {
            List<ChatMessage> messages = conversation(name);
            // The early Llama-3 template always ends with the assistant header, whatever add_generation_prompt says.
            assertEquals(real.render(messages, false), builtIn.render(messages, true), name);
            assertEquals(real.render(messages, false),
                    builtIn.render(messages, false) + "<|start_header_id|>assistant<|end_header_id|>\n\n", name);
        }
    }

    @Test
    void vicunaPublishedFormat() {
        // FastChat conversation.py vicuna_v1.1: ADD_COLON_TWO, sep " ", sep2 "</s>".
        ChatTemplate vicuna = BuiltInChatTemplate.named("vicuna", "<s>", "</s>");
        assertEquals("<s>You are a concise assistant. USER: What is the capital of France? ASSISTANT: Paris.</s>"
                + "USER: And of Italy? Answer in one word. ASSISTANT: Rome.</s>", vicuna.render(MULTI_TURN, false));
        assertEquals("<s>A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                        + "helpful, detailed, and polite answers to the user's questions. USER: Hi ASSISTANT:",
                vicuna.render(List.of(user("Hi")), true));
    }

    @Test
    void alpacaPublishedFormat() {
        // Stanford Alpaca preamble; "### Response:\n" then the output and EOS (alpaca-lora's templates/alpaca.json).
        ChatTemplate alpaca = BuiltInChatTemplate.named("alpaca", "", "<|im_end|>");
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes "
                        + "the request.\n\n### Instruction:\nName a colour.\n\n### Response:\nBlue.<|im_end|>\n\n",
                alpaca.render(List.of(user("Name a colour."), assistant("Blue.")), false));
        assertEquals("You are a concise assistant.\n\n### Instruction:\nWhat is the capital of France?\n\n"
                        + "### Response:\nParis.<|im_end|>\n\n### Instruction:\nAnd of Italy? Answer in one word.\n\n"
                        + "### Response:\nRome.<|im_end|>\n\n", alpaca.render(MULTI_TURN, false));
    }

    @Test
    void builtInsRejectConversationsTheyCannotWrite() {
        ChatTemplate chatml = BuiltInChatTemplate.named("chatml", "", "<|im_end|>");
        UserInputException twoUsers = assertThrows(UserInputException.class,
                () -> chatml.render(List.of(user("a"), user("b")), false));
        assertTrue(twoUsers.getMessage().contains("message 1 has role user, expected assistant"), twoUsers.getMessage());
        assertThrows(UserInputException.class, () -> chatml.render(List.of(user("a"), system("b")), false));
        assertThrows(UserInputException.class, () -> chatml.render(List.of(), false));
        UserInputException unknown = assertThrows(UserInputException.class,
                () -> BuiltInChatTemplate.named("zephyr", "", ""));
        assertTrue(unknown.getMessage().contains("llama-2, mistral, chatml, llama-3, vicuna, alpaca"));
    }

    @Test
    void modelTemplateMissingIsAClearError() {
        UserInputException e = assertThrows(UserInputException.class,
                () -> ChatTemplate.forTokenizer("model", TokenizerFixtures.mistral()));
        assertTrue(e.getMessage().contains("no chat_template"), e.getMessage());
    }

    @Test
    void raiseExceptionInATemplateBecomesUserInputException() {
        JinjaChatTemplate strict = new JinjaChatTemplate(
                "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with user') }}"
                        + "{% endif %}{{ messages[0]['content'] }}", "", "");
        assertEquals("hi", strict.render(List.of(user("hi")), false));
        UserInputException e = assertThrows(UserInputException.class,
                () -> strict.render(List.of(assistant("hi")), false));
        assertTrue(e.getMessage().contains("Conversation must start with user"), e.getMessage());
    }

    @Test
    void pythonStringMethodsAndRewrites() {
        JinjaChatTemplate t = new JinjaChatTemplate(
                "{{ messages[0].content.strip() }}|{{ messages[0].content.lstrip(' ') }}|"
                        + "{{ messages[0].content.split('</think>')[-1].rstrip('\\n') }}|"
                        + "{{ messages[0].content.startswith(' ') }}|{{ messages[0].content.endswith('x') }}|"
                        + "{{ 'a,b,c'.split(',', 1)[-1] }}|{{ 'x  y '.split()|length }}|"
                        + "{% for m in messages[::-1] %}{{ m.role }},{% endfor %}|"
                        + "{% set ns = namespace(last=messages|length - 1, seen=false) %}{{ ns.last }}", "", "");
        assertEquals("a</think>b|a</think>b\n|b|true|false|b,c|2|assistant,user,|1",
                t.render(List.of(user(" a</think>b\n"), assistant("x")), false));
        assertEquals("{{ 'a\nb' }}", JinjaChatTemplate.unescapeStringLiterals("{{ 'a\\nb' }}"));
        assertEquals("x\\ny", JinjaChatTemplate.unescapeStringLiterals("x\\ny")); // outside a tag: literal text
        assertEquals("{% set ns = namespace(a=(x|length - 1), b=(true)) %}",
                JinjaChatTemplate.parenthesizeNamespaceArguments("{% set ns = namespace(a=x|length - 1, b=true) %}"));
    }

    /** A template is a program from an untrusted folder: its work and output are bounded, and the file is named. */
    @Test
    void messageTextThatLooksLikeATemplateIsRenderedAsWritten() {
        String content = "{{ 7 * 7 }} {% for i in range(3) %}x{% endfor %} {{ raise_exception('no') }}";
        String text = ChatTemplate.forTokenizer("model", qwen3).render(List.of(user(content)), true);
        assertTrue(text.contains("<|im_start|>user\n" + content + "<|im_end|>"), text);
    }

    @Test
    void runawayTemplatesStopAtTheirBoundsNamingTheFile() {
        Path file = Path.of("model", "tokenizer_config.json");
        String loops = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                + "{{ messages[0].content }}{% endfor %}{% endfor %}{% endfor %}";
        long start = System.nanoTime();
        // Empty loops stop at the iteration bound; loops that look things up stop sooner, at the step bound.
        JinjaChatTemplate empty = new JinjaChatTemplate(loops.replace("{{ messages[0].content }}", ""), "", "", Map.of(), file);
        UserInputException e0 = assertThrows(UserInputException.class, () -> empty.render(List.of(user("hi")), true));
        assertEquals(file + ": chat_template: rendering 1 messages failed: the template exceeds the render bound"
                + " of 100000 loop iterations (template line 1)", e0.getMessage());
        // Loops around a lookup, and a whole template inside nested loops (each alone within the iteration bound).
        for (String body : List.of(loops, "{% for a in range(300) %}{% for b in range(300) %}" + BuiltInChatTemplate.jinja(BuiltInChatTemplate.Format.LLAMA_2)
                        + "{% endfor %}{% endfor %}")) {
            JinjaChatTemplate t = new JinjaChatTemplate(body, "", "", Map.of(), file);
            UserInputException e = assertThrows(UserInputException.class, () -> t.render(List.of(user("hi")), true));
            assertEquals(file + ": chat_template: rendering 1 messages failed: the template exceeds the render bound of 50000"
                    + " steps (variable lookups and calls; a macro that recurses or loops nested around the whole template)",
                    e.getMessage());
        }
        // Output doubled each round, and a list doubled each round, stop at the size bounds.
        for (String grow : List.of("{% set ns = namespace(s=messages[0].content) %}{% for i in range(60) %}"
                        + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
                "{% set ns = namespace(s=[1]) %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"
                        + "{{ ns.s|length }}")) {
            JinjaChatTemplate t = new JinjaChatTemplate(grow, "", "", Map.of(), file);
            UserInputException e = assertThrows(UserInputException.class, () -> t.render(List.of(user("hi")), true));
            assertTrue(e.getMessage().startsWith(file + ": chat_template: rendering 1 messages failed: the template "
                    + "exceeds the render bound of 4194304 characters (of output or of one string) or 100000 list"
                    + " entries ("), e.getMessage());
        }
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "bounded templates must fail fast");
        // A real template keeps working under the bounds, and a long conversation fits them.
        List<ChatMessage> many = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            many.add(i % 2 == 0 ? user("question " + i + " " + "x".repeat(500)) : assistant("answer " + i));
        }
        String text = ChatTemplate.forTokenizer("model", qwen3).render(many, true);
        assertTrue(text.endsWith("<|im_start|>assistant\n") && text.contains("answer 1999"), text.substring(0, 100));
    }

    @Test
    void aModelTemplateNamesItsTokenizerConfigInErrors() {
        ChatTemplate t = ChatTemplate.forTokenizer("model", qwen3);
        assertTrue(t.name().contains("qwen3" + java.io.File.separator + "tokenizer_config.json"), t.name());
    }
}
