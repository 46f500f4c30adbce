package dev.mutual.eval.judge;

import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers a request from disk when the same judge model already judged the same messages with the same decoding
 * settings, so re-running an evaluation costs nothing. Each reply is one file {@code DIR/ab/abcd....json}, named by
 * the SHA-256 of (model, messages, decoding) and written atomically as soon as it arrives, so an interrupted run
 * resumes where it stopped. The API key is not part of the key (it does not change the judgement).
 */
public final class CachedChatJudge implements ChatJudge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatJudge inner;
    private final Path dir;
    private final AtomicInteger hits = new AtomicInteger();
    private final AtomicInteger misses = new AtomicInteger();

    /** Creates {@code dir} if missing. */
    public CachedChatJudge(ChatJudge inner, Path dir) {
        this.inner = inner;
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the judge cache directory " + dir, e);
        }
    }

    @Override
    public String model() {
        return inner.model();
    }

    @Override
    public String label() {
        return inner.label();
    }

    public int hits() {
        return hits.get();
    }

    public int misses() {
        return misses.get();
    }

    @Override
    public JudgeReply complete(List<ChatMessage> messages, DecodingSettings decoding) {
        String key = key(inner.model(), messages, decoding);
        Path file = dir.resolve(key.substring(0, 2)).resolve(key + ".json");
        if (Files.isRegularFile(file)) {
            try {
                JudgeReply cached = JSON.readValue(file.toFile(), JudgeReply.class);
                hits.incrementAndGet();
                return cached;
            } catch (IOException unreadable) {
                // A truncated file cannot come from our atomic writes; ask again and overwrite it.
            }
        }
        misses.incrementAndGet();
        JudgeReply reply = inner.complete(messages, decoding);
        write(file, reply);
        return reply;
    }

    /** Hex SHA-256 of the canonical JSON of judge model, messages and decoding settings. */
    static String key(String model, List<ChatMessage> messages, DecodingSettings decoding) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", model);
        ArrayNode msgs = root.putArray("messages");
        for (ChatMessage m : messages) msgs.addObject().put("role", m.role().hfName()).put("content", m.content());
        root.put("temperature", decoding.temperature());
        root.put("max_tokens", decoding.maxTokens());
        root.put("top_logprobs", decoding.topLogprobs());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(root));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("cannot hash a judge request", e);
        }
    }

    private static void write(Path file, JudgeReply reply) {
        try {
            AtomicFile.writeBytes(file, JSON.writeValueAsBytes(reply));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write judge cache file " + file, e);
        }
    }
}
