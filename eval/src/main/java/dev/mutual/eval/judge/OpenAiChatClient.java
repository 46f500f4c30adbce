package dev.mutual.eval.judge;

import dev.mutual.data.chat.ChatMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A judge behind any OpenAI-compatible {@code POST /chat/completions} endpoint (OpenAI, vLLM, llama.cpp server,
 * ...), on {@link java.net.http.HttpClient}.
 *
 * <p>Retries: HTTP 408, HTTP 429, HTTP 5xx, request timeouts, connection errors and unreadable 200 bodies are retried up to
 * {@link JudgeEndpoint#maxAttempts()} attempts in all. The wait before attempt k+1 is the server's
 * {@code Retry-After} when it sends one (seconds or HTTP date, capped at {@link JudgeEndpoint#MAX_RETRY_AFTER}),
 * otherwise exponential backoff {@code min(maxBackoff, initialBackoff * 2^(k-1))} with "equal jitter" (uniformly
 * drawn from its upper half) so parallel workers do not retry in lock-step. Other HTTP statuses (400, 401, 404...)
 * fail at once: retrying cannot fix them.
 *
 * <p>The API key is only ever put in the {@code Authorization} header; it is not logged, not part of any error
 * message, and not part of the cache key.
 */
public final class OpenAiChatClient implements ChatJudge {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BODY_EXCERPT = 300;

    private final JudgeEndpoint endpoint;
    private final String apiKey;
    private final HttpClient http;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();

    /**
     * @param apiKey the bearer token, or null for endpoints without authentication (a local server)
     */
    public OpenAiChatClient(JudgeEndpoint endpoint, String apiKey) {
        this.endpoint = endpoint;
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(endpoint.requestTimeout())
                .build();
    }

    @Override
    public String model() {
        return endpoint.model();
    }

    /** What /v1/models says owns a model served by {@code mutual serve}. */
    public static final String MUTUAL_SERVE_OWNER = "mutual-serve";
    /** Prefix of {@link #label()} for a Mutual server. */
    public static final String OFFLINE_JUDGE = "offline judge (Mutual serve: ";
    private String label;

    /**
     * {@code offline judge (Mutual serve: MODEL)} when the endpoint's {@code GET /models} lists a model owned by
     * {@value #MUTUAL_SERVE_OWNER} (asked once), else the model name (also when the endpoint cannot be asked).
     */
    @Override
    public synchronized String label() {
        if (label != null) return label;
        label = endpoint.model();
        String base = endpoint.baseUrl().toString();
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(java.net.URI.create(base + "/models")).timeout(endpoint.requestTimeout()).GET();
            if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() == 200) {
                for (JsonNode m : JSON.readTree(r.body()).path("data")) {
                    if (MUTUAL_SERVE_OWNER.equals(m.path("owned_by").asText())) {
                        label = OFFLINE_JUDGE + m.path("id").asText() + ")";
                        break;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("judge endpoint {}: no model list ({}); the judge is named by its model", base, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return label;
    }

    /** HTTP requests sent so far, retries included. */
    public int requestCount() {
        return requests.get();
    }

    /** Requests that were retries of a failed attempt. */
    public int retryCount() {
        return retries.get();
    }

    @Override
    public JudgeReply complete(List<ChatMessage> messages, DecodingSettings decoding) {
        byte[] body = requestBody(messages, decoding);
        String lastFailure = "";
        for (int attempt = 1; attempt <= endpoint.maxAttempts(); attempt++) {
            if (attempt > 1) retries.incrementAndGet();
            requests.incrementAndGet();
            Duration retryAfter = null;
            try {
                HttpResponse<String> response = http.send(request(body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int status = response.statusCode();
                if (status == 200) {
                    try {
                        return parseResponse(response.body());
                    } catch (IllegalArgumentException | IOException e) {
                        lastFailure = "unreadable response body (" + e.getMessage() + "): " + excerpt(response.body());
                    }
                } else if (status == 408 || status == 429 || status >= 500) {
                    lastFailure = "HTTP " + status + ": " + excerpt(response.body());
                    retryAfter = retryAfter(response).orElse(null);
                } else {
                    throw new JudgeException("judge endpoint " + endpoint.chatCompletionsUri() + " answered HTTP " + status
                            + " (not retried): " + excerpt(response.body())
                            + (status == 401 || status == 403 ? " (hint: check the API key variable)" : ""));
                }
            } catch (HttpTimeoutException e) {
                lastFailure = "no response within " + endpoint.requestTimeout().toMillis() + " ms";
            } catch (IOException e) {
                lastFailure = "connection error: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JudgeException("interrupted while waiting for the judge", e);
            }
            if (attempt < endpoint.maxAttempts()) {
                Duration wait = retryAfter != null ? retryAfter : backoff(attempt);
                LOG.warn("judge attempt {}/{} failed ({}); retrying in {} ms", attempt, endpoint.maxAttempts(),
                        lastFailure, wait.toMillis());
                sleep(wait);
            }
        }
        throw new JudgeException("judge endpoint " + endpoint.chatCompletionsUri() + " gave no usable reply after "
                + endpoint.maxAttempts() + " attempts; last failure: " + lastFailure);
    }

    private HttpRequest request(byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.chatCompletionsUri())
                .timeout(endpoint.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        return b.build();
    }

    private byte[] requestBody(List<ChatMessage> messages, DecodingSettings decoding) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", endpoint.model());
        ArrayNode msgs = root.putArray("messages");
        for (ChatMessage m : messages) msgs.addObject().put("role", m.role().hfName()).put("content", m.content());
        root.put("temperature", decoding.temperature());
        root.put("max_tokens", decoding.maxTokens());
        if (decoding.topLogprobs() > 0) {
            root.put("logprobs", true);
            root.put("top_logprobs", decoding.topLogprobs());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a chat request", e);
        }
    }

    /** Reads {@code choices[0].message.content} and, when present, {@code choices[0].logprobs.content[0].top_logprobs}. */
    static JudgeReply parseResponse(String body) throws IOException {
        JsonNode root = JSON.readTree(body);
        JsonNode choice = root == null ? null : root.path("choices").path(0);
        if (choice == null || choice.isMissingNode()) throw new IllegalArgumentException("no choices[0]");
        JsonNode content = choice.path("message").path("content");
        if (!content.isTextual()) throw new IllegalArgumentException("choices[0].message.content is not a string");
        Map<String, Double> logprobs = new LinkedHashMap<>();
        for (JsonNode alt : choice.path("logprobs").path("content").path(0).path("top_logprobs")) {
            if (alt.path("token").isTextual() && alt.path("logprob").isNumber()) {
                logprobs.putIfAbsent(alt.get("token").asText(), alt.get("logprob").asDouble());
            }
        }
        return new JudgeReply(content.asText(), logprobs);
    }

    private Duration backoff(int failedAttempt) {
        long base = endpoint.initialBackoff().toMillis();
        long capped = Math.min(endpoint.maxBackoff().toMillis(), base << Math.min(failedAttempt - 1, 30));
        long half = capped / 2;
        return Duration.ofMillis(half + (capped - half == 0 ? 0 : ThreadLocalRandom.current().nextLong(capped - half + 1)));
    }

    /** Retry-After as delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(v -> {
            v = v.trim();
            Duration d;
            try {
                d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
            } catch (NumberFormatException notSeconds) {
                try {
                    d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                } catch (RuntimeException notDate) {
                    return Optional.empty();
                }
            }
            if (d.isNegative()) d = Duration.ZERO;
            return Optional.of(d.compareTo(JudgeEndpoint.MAX_RETRY_AFTER) > 0 ? JudgeEndpoint.MAX_RETRY_AFTER : d);
        });
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JudgeException("interrupted while waiting to retry the judge", e);
        }
    }

    private static String excerpt(String body) {
        if (body == null) return "";
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= BODY_EXCERPT ? oneLine : oneLine.substring(0, BODY_EXCERPT) + "...";
    }
}
