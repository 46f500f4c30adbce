package dev.mutual.data.chat;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatMessage.Role;

import java.util.List;

/**
 * The published chat formats, written in Java. Each takes an optional system message first, then user and
 * assistant turns alternating from a user turn. {@code bos} / {@code eos} are the tokenizer's BOS/EOS text
 * ("&lt;s&gt;", "&lt;/s&gt;"); control tokens that belong to a format ("&lt;|im_start|&gt;", "&lt;|eot_id|&gt;",
 * "[INST]") are written literally. A rendered chat is tokenized without adding special tokens, so BOS is in the
 * text where the model expects it. llama-2, mistral and alpaca close a user turn with the reply header itself
 * ("[/INST]", "### Response:\n"), so {@code addGenerationPrompt} changes nothing for them.
 */
public record BuiltInChatTemplate(Format format, String bos, String eos) implements ChatTemplate {

    public static final List<String> NAMES = List.of("llama-2", "mistral", "chatml", "llama-3", "vicuna", "alpaca");

    /** FastChat conversation.py "vicuna_v1.1" system message. */
    static final String VICUNA_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions.";

    /** Stanford Alpaca train.py PROMPT_DICT preamble. */
    static final String ALPACA_SYSTEM = "Below is an instruction that describes a task. "
            + "Write a response that appropriately completes the request.";

    public enum Format {
        /** Llama-2-chat (Meta generation.py chat_completion; HF template): [INST] &lt;&lt;SYS&gt;&gt; ... */
        LLAMA_2("llama-2"),
        /** Mistral-7B-Instruct-v0.1 HF template: BOS [INST] u [/INST]a EOS; system joins the first user turn. */
        MISTRAL("mistral"),
        /** ChatML as Qwen uses it: &lt;|im_start|&gt;role\n...&lt;|im_end|&gt;\n */
        CHATML("chatml"),
        /** Meta-Llama-3-Instruct: header ids, trimmed content, &lt;|eot_id|&gt;. */
        LLAMA_3("llama-3"),
        /** Vicuna v1.1 (FastChat): "SYSTEM USER: u ASSISTANT: a&lt;/s&gt;USER: ..." */
        VICUNA("vicuna"),
        /** Alpaca: "### Instruction:\nu\n\n### Response:\na" (alpaca-lora templates/alpaca.json layout). */
        ALPACA("alpaca");

        final String templateName;

        Format(String templateName) {
            this.templateName = templateName;
        }
    }

    public BuiltInChatTemplate {
        if (format == null || bos == null || eos == null) {
            throw new IllegalArgumentException("format, bos and eos are required (use \"\" for none)");
        }
    }

    public static BuiltInChatTemplate named(String name, String bos, String eos) {
        for (Format f : Format.values()) {
            if (f.templateName.equals(name)) {
                return new BuiltInChatTemplate(f, bos, eos);
            }
        }
        throw new UserInputException("chat template \"" + name + "\": unknown; expected \"model\" or one of "
                + String.join(", ", NAMES));
    }

    @Override
    public String name() {
        return format.templateName;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        String system = checkRoles(messages);
        List<ChatMessage> turns = system == null ? messages : messages.subList(1, messages.size());
        StringBuilder out = new StringBuilder();
        switch (format) {
            case LLAMA_2 -> {
                // HF Llama-2-chat template: the system block is glued to the first user turn, both stripped.
                for (int i = 0; i < turns.size(); i++) {
                    String content = turns.get(i).content();
                    if (turns.get(i).role() == Role.USER) {
                        if (i == 0 && system != null) {
                            content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
                        }
                        out.append(bos).append("[INST] ").append(PythonStringMethods.strip(content)).append(" [/INST]");
                    } else {
                        out.append(' ').append(PythonStringMethods.strip(content)).append(' ').append(eos);
                    }
                }
                // The prompt already ends with "[/INST]": Llama-2 has no separate generation prompt.
            }
            case MISTRAL -> {
                out.append(bos);
                for (int i = 0; i < turns.size(); i++) {
                    String content = turns.get(i).content();
                    if (turns.get(i).role() == Role.USER) {
                        if (i == 0 && system != null) {
                            content = system + "\n\n" + content;
                        }
                        out.append("[INST] ").append(content).append(" [/INST]");
                    } else {
                        out.append(content).append(eos);
                    }
                }
            }
            case CHATML -> {
                for (ChatMessage m : messages) {
                    out.append("<|im_start|>").append(m.role().hfName()).append('\n')
                            .append(m.content()).append("<|im_end|>\n");
                }
                if (addGenerationPrompt) {
                    out.append("<|im_start|>assistant\n");
                }
            }
            case LLAMA_3 -> {
                out.append(bos);
                for (ChatMessage m : messages) {
                    out.append("<|start_header_id|>").append(m.role().hfName()).append("<|end_header_id|>\n\n")
                            .append(PythonStringMethods.strip(m.content())).append("<|eot_id|>");
                }
                if (addGenerationPrompt) {
                    out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
                }
            }
            case VICUNA -> {
                // FastChat SeparatorStyle.ADD_COLON_TWO with sep " " and sep2 "</s>" (here: the tokenizer's EOS).
                out.append(bos).append(system == null ? VICUNA_SYSTEM : system).append(' ');
                for (ChatMessage m : turns) {
                    if (m.role() == Role.USER) {
                        out.append("USER: ").append(m.content()).append(' ');
                    } else {
                        out.append("ASSISTANT: ").append(m.content()).append(eos);
                    }
                }
                if (addGenerationPrompt) {
                    out.append("ASSISTANT:");
                }
            }
            case ALPACA -> {
                out.append(bos).append(system == null ? ALPACA_SYSTEM : system).append("\n\n");
                for (ChatMessage m : turns) {
                    if (m.role() == Role.USER) {
                        out.append("### Instruction:\n").append(m.content()).append("\n\n### Response:\n");
                    } else {
                        out.append(m.content()).append(eos).append("\n\n");
                    }
                }
            }
        }
        return out.toString();
    }

    /**
     * This format as a Hugging Face {@code chat_template} (Jinja) that renders what {@link #render} renders, for the
     * tokenizer_config.json saved beside a model trained on it, so {@code apply_chat_template} prompts it as it was
     * trained. Rejects what {@link #render} rejects (roles out of order) through {@code raise_exception}.
     */
    public static String jinja(Format format) {
        String check = "{% if (message['role'] != 'user' and message['role'] != 'assistant')"
                + " or (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                + "{{ raise_exception('Conversation roles must be an optional system message, then user and assistant alternating') }}"
                + "{% endif %}";
        String defaultSystem = switch (format) {
            case ALPACA -> ALPACA_SYSTEM;
            case VICUNA -> VICUNA_SYSTEM;
            default -> "";
        };
        String prefix = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
                + "{% set system_message = messages[0]['content'] %}{% set has_system = true %}"
                + "{% else %}{% set loop_messages = messages %}{% set system_message = \"" + defaultSystem + "\" %}"
                + "{% set has_system = false %}{% endif %}";
        String body = switch (format) {
            case LLAMA_2 -> "{% for message in loop_messages %}" + check
                    + "{% if loop.index0 == 0 and has_system %}"
                    + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
                    + "{% else %}{% set content = message['content'] %}{% endif %}"
                    + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
                    + "{% else %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";
            case MISTRAL -> "{{ bos_token }}{% for message in loop_messages %}" + check
                    + "{% if loop.index0 == 0 and has_system %}"
                    + "{% set content = system_message + '\\n\\n' + message['content'] %}"
                    + "{% else %}{% set content = message['content'] %}{% endif %}"
                    + "{% if message['role'] == 'user' %}{{ '[INST] ' + content + ' [/INST]' }}"
                    + "{% else %}{{ content + eos_token }}{% endif %}{% endfor %}";
            case CHATML -> "{% for message in loop_messages %}" + check + "{% endfor %}"
                    + "{% for message in messages %}"
                    + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
            case LLAMA_3 -> "{% for message in loop_messages %}" + check + "{% endfor %}{{ bos_token }}"
                    + "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
                    + " + message['content'].strip() + '<|eot_id|>' }}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
            case VICUNA -> "{{ bos_token + system_message + ' ' }}{% for message in loop_messages %}" + check
                    + "{% if message['role'] == 'user' %}{{ 'USER: ' + message['content'] + ' ' }}"
                    + "{% else %}{{ 'ASSISTANT: ' + message['content'] + eos_token }}{% endif %}{% endfor %}"
                    + "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";
            case ALPACA -> "{{ bos_token + system_message + '\\n\\n' }}{% for message in loop_messages %}" + check
                    + "{% if message['role'] == 'user' %}{{ '### Instruction:\\n' + message['content'] + '\\n\\n### Response:\\n' }}"
                    + "{% else %}{{ message['content'] + eos_token + '\\n\\n' }}{% endif %}{% endfor %}";
        };
        return prefix + body;
    }

    /** Returns the system text (or null) after checking: system only first, then user/assistant alternating. */
    private String checkRoles(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            throw new UserInputException("chat template " + name() + ": the conversation has no messages");
        }
        int first = messages.get(0).role() == Role.SYSTEM ? 1 : 0;
        for (int i = first; i < messages.size(); i++) {
            Role expected = (i - first) % 2 == 0 ? Role.USER : Role.ASSISTANT;
            if (messages.get(i).role() != expected) {
                throw new UserInputException("chat template " + name() + ": message " + i + " has role "
                        + messages.get(i).role().hfName() + ", expected " + expected.hfName()
                        + " (an optional system message first, then user and assistant alternating)");
            }
        }
        return first == 1 ? messages.get(0).content() : null;
    }
}
