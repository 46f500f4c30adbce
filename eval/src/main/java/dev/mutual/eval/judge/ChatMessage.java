package dev.mutual.eval.judge;

import java.util.Objects;
import java.util.Set;

/** One message of an OpenAI-style chat: {@code role} is "system", "user" or "assistant". */
public record ChatMessage(String role, String content) {
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    public ChatMessage {
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("chat role must be one of " + ROLES + ", found '" + role + "'");
        }
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }
}
