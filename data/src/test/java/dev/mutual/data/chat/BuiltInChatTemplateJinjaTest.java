package dev.mutual.data.chat;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Each built-in format's Jinja form (what a model trained on it gets as chat_template in its tokenizer_config.json)
 * renders exactly what the Java form renders, through the same Jinja engine that renders the models' own templates.
 */
class BuiltInChatTemplateJinjaTest {
    private static final List<List<ChatMessage>> CONVERSATIONS = List.of(
            List.of(ChatMessage.user("What is 2+2?")),
            List.of(ChatMessage.user("What is 2+2?"), ChatMessage.assistant("4.")),
            List.of(ChatMessage.system("Be brief."), ChatMessage.user("  Hi there \n"), ChatMessage.assistant(" Hello! "),
                    ChatMessage.user("Name a 'colour' with \"quotes\"."), ChatMessage.assistant("Blue\n\nand red.")),
            List.of(ChatMessage.system("You are helpful."), ChatMessage.user("Hi")));

    @Test
    void jinjaFormRendersWhatTheJavaFormRenders() {
        int checked = 0;
        for (BuiltInChatTemplate.Format f : BuiltInChatTemplate.Format.values()) {
            for (String[] special : List.of(new String[] {"<s>", "</s>"}, new String[] {"", "<|im_end|>"})) {
                BuiltInChatTemplate java = new BuiltInChatTemplate(f, special[0], special[1]);
                JinjaChatTemplate jinja = new JinjaChatTemplate(BuiltInChatTemplate.jinja(f), special[0], special[1]);
                for (List<ChatMessage> c : CONVERSATIONS) {
                    for (boolean prompt : new boolean[] {false, true}) {
                        assertEquals(java.render(c, prompt), jinja.render(c, prompt), f + " " + c + " " + prompt);
                        checked++;
                    }
                }
            }
        }
        assertEquals(6 * 2 * CONVERSATIONS.size() * 2, checked);
    }

    @Test
    void jinjaFormRejectsWhatTheJavaFormRejects() {
        List<List<ChatMessage>> bad = List.of(
                List.of(ChatMessage.assistant("first")),
                List.of(ChatMessage.user("a"), ChatMessage.user("b")),
                List.of(ChatMessage.user("a"), ChatMessage.system("late")));
        for (BuiltInChatTemplate.Format f : BuiltInChatTemplate.Format.values()) {
            JinjaChatTemplate jinja = new JinjaChatTemplate(BuiltInChatTemplate.jinja(f), "<s>", "</s>");
            BuiltInChatTemplate java = new BuiltInChatTemplate(f, "<s>", "</s>");
            for (List<ChatMessage> c : bad) {
                assertThrows(UserInputException.class, () -> java.render(c, false), f + " " + c);
                assertThrows(UserInputException.class, () -> jinja.render(c, false), f + " " + c);
            }
        }
    }
}
