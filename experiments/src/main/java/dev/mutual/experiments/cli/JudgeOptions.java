package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.judge.CachedChatJudge;
import dev.mutual.eval.judge.JudgeEndpoint;
import dev.mutual.eval.judge.OpenAiChatClient;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The judge options shared by {@code mutual eval alpaca} and {@code mutual eval mt-bench} (a picocli mixin). */
final class JudgeOptions {
    @Option(names = "--judge-url", paramLabel = "URL",
            description = "Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 (requests go to URL/chat/completions).")
    URI judgeUrl;

    @Option(names = "--judge-model", paramLabel = "NAME", description = "Judge model name, e.g. gpt-4-1106-preview.")
    String judgeModel;

    @Option(names = "--api-key-env", paramLabel = "VAR", defaultValue = "OPENAI_API_KEY",
            description = "Environment variable holding the API key (default: ${DEFAULT-VALUE}); '' for a server without a key. "
                    + "The key is never logged or written.")
    String apiKeyEnv;

    @Option(names = "--max-concurrency", paramLabel = "N", defaultValue = "4", description = "Judge requests in flight (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int maxConcurrency;

    @Option(names = "--cache", paramLabel = "DIR", description = "Judgement cache (default: OUTPUT/judge_cache); a re-run answers from it for free.")
    Path cache;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120", description = "Per-request timeout (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int timeoutSeconds;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "6",
            description = "Attempts per judgement; 429, 5xx and timeouts are retried with exponential backoff (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int maxAttempts;

    /** The HTTP client, before caching; fails with the flag's name when something is missing. */
    OpenAiChatClient client() {
        if (judgeUrl == null) throw new UserInputException("--judge-url URL is required to judge (e.g. https://api.openai.com/v1)");
        if (judgeModel == null || judgeModel.isBlank()) throw new UserInputException("--judge-model NAME is required to judge");
        String key = null;
        if (!apiKeyEnv.isEmpty()) {
            key = System.getenv(apiKeyEnv);
            if (key == null || key.isBlank()) {
                throw new UserInputException("environment variable " + apiKeyEnv + " (--api-key-env) is not set; export the judge "
                        + "API key there, or pass --api-key-env '' for a server that needs none");
            }
        }
        JudgeEndpoint endpoint;
        try {
            endpoint = new JudgeEndpoint(judgeUrl, judgeModel, Duration.ofSeconds(timeoutSeconds), maxAttempts,
                    Duration.ofSeconds(1), Duration.ofSeconds(60));
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--judge-url/--judge-model: " + e.getMessage());
        }
        return new OpenAiChatClient(endpoint, key);
    }

    CachedChatJudge cachedJudge(OpenAiChatClient client, Path output) {
        return new CachedChatJudge(client, cache != null ? cache : output.resolve("judge_cache"));
    }

    /** What results.json records about the judge (never the key itself). */
    Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("judge_url", judgeUrl.toString());
        s.put("judge_model", judgeModel);
        s.put("api_key_env", apiKeyEnv);
        s.put("max_attempts", maxAttempts);
        s.put("timeout_s", timeoutSeconds);
        return s;
    }
}
