package dev.mutual.eval;

import java.util.List;

/**
 * How responses are generated for a task; recorded in results.json and handed to a {@link TextGenerator}.
 *
 * @param maxNewTokens generation budget per response, e.g. 256 (the lm-evaluation-harness default)
 * @param temperature  0 means greedy decoding
 * @param topP         nucleus sampling threshold, 1 = off
 * @param stop         generation stops before the first of these strings; responses given as data are cut there
 * @param seed         seed for sampling (unused when greedy)
 * @param chat         wrap each prompt as one user turn in the model's chat template (instruction benchmarks),
 *                     or continue it as raw text (few-shot benchmarks)
 */
public record GenerationSettings(int maxNewTokens, double temperature, double topP, List<String> stop, long seed, boolean chat) {
    public GenerationSettings {
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        stop = List.copyOf(stop);
        for (String s : stop) if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens, seed 0. */
    public static GenerationSettings greedy(int maxNewTokens, List<String> stop, boolean chat) {
        return new GenerationSettings(maxNewTokens, 0.0, 1.0, stop, 0, chat);
    }

    public GenerationSettings withMaxNewTokens(int n) {
        return new GenerationSettings(n, temperature, topP, stop, seed, chat);
    }

    /** {@code response} up to (not including) the earliest stop string. */
    public String cutAtStop(String response) {
        int end = response.length();
        for (String s : stop) {
            int at = response.indexOf(s);
            if (at >= 0 && at < end) end = at;
        }
        return response.substring(0, end);
    }
}
