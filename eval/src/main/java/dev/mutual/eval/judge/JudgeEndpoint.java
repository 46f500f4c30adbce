package dev.mutual.eval.judge;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how to reach an OpenAI-compatible judge. The API key is deliberately not a field: records print
 * their fields, and the key must never reach a log, a file or a cache key (see {@link OpenAiChatClient}).
 *
 * @param baseUrl        e.g. {@code https://api.openai.com/v1} or {@code http://127.0.0.1:8000/v1}; the client
 *                       posts to {@code baseUrl + "/chat/completions"}
 * @param model          judge model name sent in every request, e.g. "gpt-4-1106-preview"
 * @param requestTimeout how long one request may wait for the response headers before it counts as timed out
 * @param maxAttempts    attempts per judgement, first try included (e.g. 6); 408, 429, 5xx, timeouts, connection
 *                       errors and malformed response bodies are retried, other HTTP errors are not
 * @param initialBackoff wait before the second attempt; doubled per attempt, with jitter
 * @param maxBackoff     cap on one wait between attempts (a server's Retry-After is honoured up to
 *                       {@link #MAX_RETRY_AFTER})
 */
public record JudgeEndpoint(URI baseUrl, String model, Duration requestTimeout, int maxAttempts,
                            Duration initialBackoff, Duration maxBackoff) {
    /** The longest Retry-After we wait for; a server asking for more gets this much. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

    public JudgeEndpoint {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("judge base URL must be http(s)://..., found '" + baseUrl + "'");
        }
        if (model == null || model.isBlank()) throw new IllegalArgumentException("judge model name is required");
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive, found " + requestTimeout);
        }
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1, found " + maxAttempts);
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff, found "
                    + initialBackoff + " and " + maxBackoff);
        }
    }

    /** Defaults that suit a hosted API: 120 s per request, 6 attempts, backoff 1 s doubling up to 60 s. */
    public static JudgeEndpoint of(URI baseUrl, String model) {
        return new JudgeEndpoint(baseUrl, model, Duration.ofSeconds(120), 6, Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    /** The chat-completions URL: base URL without trailing slash, then {@code /chat/completions}. */
    public URI chatCompletionsUri() {
        String base = baseUrl.toString();
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        return URI.create(base + "/chat/completions");
    }
}
