package dev.mutual.eval.judge;

import dev.mutual.data.chat.ChatMessage;
import java.util.List;

/**
 * A language model used as a judge: messages in, reply out. Implemented by {@link OpenAiChatClient} (over HTTP)
 * and {@link CachedChatJudge} (answers repeated requests from disk). Implementations are thread-safe.
 */
public interface ChatJudge {
    /** The judge model's name; part of every cache key. */
    String model();

    /**
     * The judge's name as reports show it: the model name, or {@code offline judge (Mutual serve: MODEL)} when the
     * endpoint is a {@code mutual serve} (so a report never passes a small local model off as a hosted judge).
     */
    default String label() {
        return model();
    }

    /**
     * Asks the judge once.
     *
     * @throws JudgeException when no usable reply came back (after any retries the implementation makes)
     */
    JudgeReply complete(List<ChatMessage> messages, DecodingSettings decoding);
}
