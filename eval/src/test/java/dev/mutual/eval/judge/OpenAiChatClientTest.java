package dev.mutual.eval.judge;

import dev.mutual.data.chat.ChatMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The judge client against a real HTTP server on loopback: request shape, retries, timeouts, errors, cache. */
class OpenAiChatClientTest {
    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.system("You judge."), ChatMessage.user("Which is better?"));
    private static final DecodingSettings DECODING = new DecodingSettings(0, 100, 0);

    private static OpenAiChatClient client(LoopbackJudgeServer server, String key, int attempts, long timeoutMillis) {
        return new OpenAiChatClient(new JudgeEndpoint(server.baseUrl(), "judge-model", Duration.ofMillis(timeoutMillis),
                attempts, Duration.ofMillis(20), Duration.ofMillis(200)), key);
    }

    @Test
    void sendsAnOpenAiRequestAndReadsContentAndLogprobs() throws Exception {
        try (var server = new LoopbackJudgeServer(r -> new LoopbackJudgeServer.Response(200,
                LoopbackJudgeServer.chatBody("M", Map.of("M", -0.25, "m", -1.5)), Map.of(), 0))) {
            JudgeReply reply = client(server, "secret-key", 3, 5000).complete(MESSAGES, new DecodingSettings(1, 1, 5));

            assertEquals("M", reply.content());
            assertEquals(Map.of("M", -0.25, "m", -1.5), reply.firstTokenLogprobs());
            LoopbackJudgeServer.Request r = server.requests().get(0);
            assertEquals("Bearer secret-key", r.authorization());
            assertEquals("judge-model", r.body().get("model").asText());
            assertEquals("system", r.body().get("messages").get(0).get("role").asText());
            assertEquals("Which is better?", r.message("user"));
            assertEquals(1, r.body().get("max_tokens").asInt());
            assertEquals(1.0, r.body().get("temperature").asDouble());
            assertTrue(r.body().get("logprobs").asBoolean());
            assertEquals(5, r.body().get("top_logprobs").asInt());
        }
    }

    @Test
    void retries429HonouringRetryAfter() throws Exception {
        try (var server = new LoopbackJudgeServer(r -> r.number() == 0
                ? new LoopbackJudgeServer.Response(429, "{\"error\":\"rate limited\"}", Map.of("Retry-After", "1"), 0)
                : LoopbackJudgeServer.Response.chat("[[7]]"))) {
            OpenAiChatClient client = client(server, null, 3, 5000);
            assertEquals("[[7]]", client.complete(MESSAGES, DECODING).content());

            List<LoopbackJudgeServer.Request> requests = server.requests();
            assertEquals(2, requests.size());
            assertEquals(1, client.retryCount());
            assertNull(requests.get(0).authorization(), "no key, no Authorization header");
            // Retry-After: 1 overrides the 20 ms backoff.
            assertTrue(requests.get(1).nanoTime() - requests.get(0).nanoTime() >= 950_000_000L);
        }
    }

    @Test
    void retries5xxWithBackoff() throws Exception {
        try (var server = new LoopbackJudgeServer(r -> r.number() < 2
                ? LoopbackJudgeServer.Response.status(r.number() == 0 ? 500 : 503)
                : LoopbackJudgeServer.Response.chat("ok"))) {
            OpenAiChatClient client = client(server, "k", 3, 5000);
            assertEquals("ok", client.complete(MESSAGES, DECODING).content());
            assertEquals(3, server.requests().size());
            assertEquals(2, client.retryCount());
        }
    }

    @Test
    void timedOutRequestIsRetried() throws Exception {
        try (var server = new LoopbackJudgeServer(r -> new LoopbackJudgeServer.Response(200,
                LoopbackJudgeServer.chatBody("late", null), Map.of(), r.number() == 0 ? 3000 : 0))) {
            OpenAiChatClient client = client(server, "k", 2, 300);
            assertEquals("late", client.complete(MESSAGES, DECODING).content());
            assertEquals(2, server.requests().size());
        }
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheLastFailure() throws Exception {
        try (var server = new LoopbackJudgeServer(r -> LoopbackJudgeServer.Response.status(500))) {
            JudgeException e = assertThrows(JudgeException.class, () -> client(server, "k", 3, 5000).complete(MESSAGES, DECODING));
            assertEquals(3, server.requests().size());
            assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
            assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
        }
    }

    @Test
    void clientErrorsFailAtOnceWithoutLeakingTheKey() throws Exception {
        try (var server = new LoopbackJudgeServer(r -> LoopbackJudgeServer.Response.status(401))) {
            JudgeException e = assertThrows(JudgeException.class,
                    () -> client(server, "sk-very-secret", 5, 5000).complete(MESSAGES, DECODING));
            assertEquals(1, server.requests().size(), "401 is not retried");
            assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
            assertTrue(e.getMessage().contains("API key"), e.getMessage());
            assertFalse(e.getMessage().contains("sk-very-secret"));
        }
    }

    @Test
    void malformedResponseBodyIsRetriedThenReported() throws Exception {
        try (var server = new LoopbackJudgeServer(r -> r.number() == 0
                ? new LoopbackJudgeServer.Response(200, "<html>proxy error</html>", Map.of(), 0)
                : new LoopbackJudgeServer.Response(200, "{\"choices\": []}", Map.of(), 0))) {
            JudgeException e = assertThrows(JudgeException.class, () -> client(server, "k", 2, 5000).complete(MESSAGES, DECODING));
            assertEquals(2, server.requests().size());
            assertTrue(e.getMessage().contains("unreadable response body"), e.getMessage());
        }
    }

    @Test
    void cacheAnswersRepeatsWithoutRequestsAndKeysOnModelPromptAndDecoding(@TempDir Path cacheDir) throws Exception {
        try (var server = new LoopbackJudgeServer(r -> LoopbackJudgeServer.Response.chat("reply " + r.number()))) {
            CachedChatJudge first = new CachedChatJudge(client(server, "key-a", 2, 5000), cacheDir);
            assertEquals("reply 0", first.complete(MESSAGES, DECODING).content());
            // A new client with another key (as after a restart) reads the same cache: the key is not in the hash.
            CachedChatJudge again = new CachedChatJudge(client(server, "key-b", 2, 5000), cacheDir);
            assertEquals("reply 0", again.complete(MESSAGES, DECODING).content());
            assertEquals(1, server.requests().size());
            assertEquals(1, again.hits());

            assertEquals("reply 1", again.complete(MESSAGES, new DecodingSettings(0, 2048, 0)).content(), "other decoding");
            assertEquals("reply 2", again.complete(List.of(ChatMessage.user("Which is better?")), DECODING).content(), "other prompt");
            assertEquals(3, server.requests().size());
        }
    }
}
