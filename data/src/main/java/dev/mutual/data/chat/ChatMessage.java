package dev.mutual.data.chat;

import java.util.Locale;

/** One turn of a conversation. {@code content} is the text as the speaker wrote it (templates may strip it). */
public record ChatMessage(Role role, String content) {

    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** The name chat templates use: "system", "user", "assistant". */
        public String hfName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ChatMessage {
        if (role == null) {
            throw new IllegalArgumentException("role is required");
        }
        if (content == null) {
            throw new IllegalArgumentException("content is required (use \"\" for an empty message)");
        }
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }
}
