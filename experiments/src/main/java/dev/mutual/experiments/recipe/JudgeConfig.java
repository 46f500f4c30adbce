package dev.mutual.experiments.recipe;

import java.net.URI;

/**
 * An OpenAI-compatible chat-completions endpoint that judges (the eval module's client). The API key is read from
 * the environment at run time and never written anywhere.
 *
 * @param url            base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1 (requests go to URL/chat/completions)
 * @param model          the judge model name sent with every request
 * @param apiKeyEnv      the environment variable holding the API key; "" for a server that needs none
 * @param maxAttempts    attempts per request (429, 5xx, timeouts and connection errors are retried with backoff)
 * @param maxConcurrency requests in flight
 */
public record JudgeConfig(
        String url,
        String model,
        @Default("OPENAI_API_KEY") String apiKeyEnv,
        @Default("6") int maxAttempts,
        @Default("4") int maxConcurrency) {

    public JudgeConfig {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("url: not a URL: '" + url + "'");
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
            throw new IllegalArgumentException("url: expected http(s)://..., found '" + url + "'");
        }
        if (model.isBlank()) throw new IllegalArgumentException("model: expected the judge model's name, found an empty string");
        if (maxAttempts < 1) throw new IllegalArgumentException("max_attempts: expected >= 1, found " + maxAttempts);
        if (maxConcurrency < 1) throw new IllegalArgumentException("max_concurrency: expected >= 1, found " + maxConcurrency);
    }
}
