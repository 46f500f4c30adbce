package dev.mutual.eval.judge;

/**
 * How the judge decodes its reply. Part of every request and of the cache key: the same prompt decoded
 * differently is a different judgement.
 *
 * @param temperature sampling temperature, e.g. 0 for MT-Bench grading (FastChat's judge setting)
 * @param maxTokens   reply length limit, e.g. 1 for AlpacaEval 2's "m"/"M" classifier prompt
 * @param topLogprobs 0 for none; otherwise ask for that many alternatives of each token (AlpacaEval 2 asks 5
 *                    and weighs "m" against "M")
 */
public record DecodingSettings(double temperature, int maxTokens, int topLogprobs) {
    public DecodingSettings {
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("temperature must be in [0, 2], found " + temperature);
        }
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1, found " + maxTokens);
        if (topLogprobs < 0 || topLogprobs > 20) {
            throw new IllegalArgumentException("topLogprobs must be in [0, 20], found " + topLogprobs);
        }
    }
}
