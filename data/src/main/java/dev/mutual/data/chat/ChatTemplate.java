package dev.mutual.data.chat;

import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.HfTokenizer;
import dev.mutual.data.tokenizer.TextTokenizer;

import java.util.List;
import java.util.Map;

/**
 * Turns a conversation into the text a model was trained on. Two kinds: {@link JinjaChatTemplate} renders a
 * model's own {@code chat_template} the way HF transformers {@code apply_chat_template} does, and
 * {@link BuiltInChatTemplate} writes the published formats (llama-2, mistral, chatml, llama-3, vicuna, alpaca)
 * in plain Java.
 */
public interface ChatTemplate {

    /** "llama-3", "chatml", or "jinja chat_template (N chars)" for a model's own template. */
    String name();

    /**
     * The conversation as text. With {@code addGenerationPrompt} the text ends where the assistant's next reply
     * starts (e.g. "&lt;|im_start|&gt;assistant\n"). Throws {@link UserInputException} for a conversation the
     * template does not accept (e.g. roles not alternating).
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /**
     * A template by name for a tokenizer: "model" for the tokenizer's own {@code chat_template}, or a built-in
     * name (see {@link BuiltInChatTemplate#NAMES}). BOS/EOS text comes from the tokenizer.
     */
    static ChatTemplate forTokenizer(String name, TextTokenizer tokenizer) {
        String bos = tokenizer.bosToken().orElse("");
        String eos = tokenizer.eosToken().orElse("");
        if (name.equals("model")) {
            if (tokenizer instanceof HfTokenizer hf && hf.config().chatTemplate().isPresent()) {
                // TokenizerConfig reads chat_template from the tokenizer_config.json beside tokenizer.json.
                return new JinjaChatTemplate(hf.config().chatTemplate().get(), bos, eos, Map.of(),
                        hf.source().toAbsolutePath().resolveSibling("tokenizer_config.json"));
            }
            throw new UserInputException("chat template \"model\": the tokenizer has no chat_template in its "
                    + "tokenizer_config.json; choose a built-in: " + String.join(", ", BuiltInChatTemplate.NAMES));
        }
        return BuiltInChatTemplate.named(name, bos, eos);
    }
}
