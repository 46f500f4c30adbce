package dev.mutual.eval.reasoning;

import java.util.List;

/**
 * How responses are generated for a task; recorded in results.json and handed to a {@link CompletionGenerator}.
 *
 * @param maxNewTokens generation budget per response, e.g. 256 (the harness default)
 * @param temperature  0 means greedy decoding
 * @param stop         generation stops before the first of these strings; responses given as data are cut there
 */
public record GenerationSettings(int maxNewTokens, double temperature, List<String> stop) {
    public GenerationSettings {
        if (maxNewTokens < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        stop = List.copyOf(stop);
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
