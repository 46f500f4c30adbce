package dev.mutual.data.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.chat.BuiltInChatTemplate;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.JinjaChatTemplate;
import dev.mutual.data.tokenizer.TokenizerConfig;
import dev.mutual.testing.fuzz.Fuzzer;
import dev.mutual.testing.fuzz.Seed;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes chat templates, the one program a model folder brings ({@code chat_template} in tokenizer_config.json; see
 * {@link Fuzzer}): the real Qwen3 and Llama-3 templates and the Jinja form of every built-in format (Mistral's among
 * them), mutated by {@code JinjaMutations} (nested and grown loops, recursive macros, huge multiplications, unbalanced
 * or duplicated tags, filters on the wrong types) and at the byte level. Each case is loaded from a
 * tokenizer_config.json the way a model folder's is, parsed and rendered on a fixed conversation; it must render or
 * fail with a message, within the fuzzer's time and allocation bounds.
 */
class ChatTemplateFuzzTest {
    private static final Path TOKENIZERS = Path.of("src/test/resources/tokenizers");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<ChatMessage> CONVERSATION = List.of(ChatMessage.system("You are terse."),
            ChatMessage.user("Hi {{ 7 * 7 }} {% for %} Über 日本 🙂"), ChatMessage.assistant("Hello."),
            ChatMessage.user("Count to three."));

    @Test
    void chatTemplatesRenderOrFailCleanWhenMutated() throws IOException {
        Fuzzer.Report report = Fuzzer.run("chat-template", seeds(), 800, (c, dir) -> {
            ObjectNode config = JSON.createObjectNode().put("bos_token", "<s>").put("eos_token", "</s>")
                    .put("chat_template", new String(c.bytes(), StandardCharsets.UTF_8));
            Path file = dir.resolve("tokenizer_config.json");
            Files.write(file, JSON.writeValueAsBytes(config));
            // As ChatTemplate.forTokenizer("model", ...) builds it from a model folder.
            String source = TokenizerConfig.load(dir).chatTemplate().orElseThrow();
            JinjaChatTemplate template = new JinjaChatTemplate(source, "<s>", "</s>", Map.of(), file);
            template.render(CONVERSATION, c.random().nextBoolean());
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** Qwen3's and Llama-3's own templates, and each built-in format as the Jinja template Mutual saves beside a model. */
    static List<Seed> seeds() throws IOException {
        List<Seed> seeds = new ArrayList<>();
        for (String model : List.of("qwen3", "llama3")) {
            JsonNode config = JSON.readTree(TOKENIZERS.resolve(model).resolve("tokenizer_config.json").toFile());
            seeds.add(Seed.text(model + ".jinja", Seed.Kind.JINJA, config.get("chat_template").asText()));
        }
        for (BuiltInChatTemplate.Format f : BuiltInChatTemplate.Format.values()) {
            seeds.add(Seed.text("builtin-" + f.name().toLowerCase(Locale.ROOT) + ".jinja", Seed.Kind.JINJA, BuiltInChatTemplate.jinja(f)));
        }
        return seeds;
    }
}
