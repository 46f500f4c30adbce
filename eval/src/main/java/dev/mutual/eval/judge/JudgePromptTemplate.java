package dev.mutual.eval.judge;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatMessage;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A judge prompt: chat messages with {@code {name}} placeholders. Filling is one pass over the template, so a
 * response that itself contains "{output_2}" is inserted verbatim and never substituted again; braces that are not
 * a {@code {identifier}} (the JSON-like braces of AlpacaEval's prompts) stay as they are, which is what
 * alpaca_eval's and FastChat's formatting produce for these templates.
 */
public record JudgePromptTemplate(List<ChatMessage> messages) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final String START = "<|im_start|>";
    private static final String END = "<|im_end|>";

    public JudgePromptTemplate {
        if (messages.isEmpty()) throw new IllegalArgumentException("a chat template needs at least one message");
        messages = List.copyOf(messages);
    }

    /**
     * Parses alpaca_eval's ChatML prompt files: {@code <|im_start|>ROLE\nCONTENT\n<|im_end|>} blocks, content
     * stripped of surrounding whitespace (as alpaca_eval's {@code prompt_to_chatml} does).
     *
     * @param source file name for error messages
     */
    public static JudgePromptTemplate parseChatMl(String text, String source) {
        String t = text.strip();
        if (!t.startsWith(START) || !t.endsWith(END)) {
            throw new UserInputException(source + ": not a ChatML judge prompt (expected it to start with " + START
                    + " and end with " + END + ")");
        }
        List<ChatMessage> messages = new ArrayList<>();
        String[] blocks = t.split(Pattern.quote(START));
        for (int i = 1; i < blocks.length; i++) {
            String block = blocks[i];
            int nl = block.indexOf('\n');
            int end = block.indexOf(END);
            if (nl < 0 || end < 0 || end < nl) {
                throw new UserInputException(source + ": message " + i + " is not 'ROLE\\nCONTENT" + END + "'");
            }
            String role = block.substring(0, nl).strip();
            messages.add(new ChatMessage(role(role, source + ": message " + i), block.substring(nl + 1, end).strip()));
        }
        return new JudgePromptTemplate(messages);
    }

    /** The role named in a ChatML block: "system", "user" or "assistant". */
    private static ChatMessage.Role role(String name, String where) {
        for (ChatMessage.Role r : ChatMessage.Role.values()) {
            if (r.hfName().equals(name)) return r;
        }
        throw new UserInputException(where + ": chat role must be one of [system, user, assistant], found '" + name + "'");
    }

    /** Names of the {@code {name}} placeholders, in order of first appearance. */
    public Set<String> placeholders() {
        Set<String> names = new LinkedHashSet<>();
        for (ChatMessage m : messages) {
            Matcher matcher = PLACEHOLDER.matcher(m.content());
            while (matcher.find()) names.add(matcher.group(1));
        }
        return names;
    }

    /** Fails unless the template has exactly the {@code expected} placeholders. */
    public JudgePromptTemplate requirePlaceholders(Set<String> expected, String source) {
        if (!placeholders().equals(expected)) {
            throw new UserInputException(source + ": expected the placeholders " + expected + ", found " + placeholders());
        }
        return this;
    }

    /** Fills every placeholder; a placeholder without a value is an error (it would reach the judge as "{name}"). */
    public List<ChatMessage> render(Map<String, String> values) {
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Matcher matcher = PLACEHOLDER.matcher(m.content());
            StringBuilder sb = new StringBuilder();
            while (matcher.find()) {
                String value = values.get(matcher.group(1));
                if (value == null) {
                    throw new IllegalArgumentException("no value for placeholder {" + matcher.group(1) + "}");
                }
                matcher.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            matcher.appendTail(sb);
            out.add(new ChatMessage(m.role(), sb.toString()));
        }
        return out;
    }
}
