package dev.mutual.eval.likelihood;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held-out likelihood metrics over reference responses. Per item i with response log-likelihood ll_i (natural
 * log, summed over its T_i tokens) and B_i UTF-8 bytes:
 * <ul>
 *   <li>{@code loglik} = mean_i ll_i, and per item ll_i;</li>
 *   <li>{@code loglik_per_token} = mean_i (ll_i / T_i), and per item ll_i / T_i;</li>
 *   <li>{@code perplexity} = exp(-sum_i ll_i / sum_i T_i), token-weighted over the corpus (the harness's
 *       weighted perplexity); it depends on the tokenizer;</li>
 *   <li>{@code bits_per_byte} = -sum_i ll_i / (ln 2 * sum_i B_i), the harness's tokenizer-free corpus measure.</li>
 * </ul>
 * The first two are means of per-item scores of the same name, so {@code mutual compare} can pair them.
 */
public final class HeldOutLikelihood {
    public static final String LOGLIK = "loglik";
    public static final String LOGLIK_PER_TOKEN = "loglik_per_token";
    public static final String PERPLEXITY = "perplexity";
    public static final String BITS_PER_BYTE = "bits_per_byte";

    private HeldOutLikelihood() {}

    /** Per-item scores of one response. */
    public static Map<String, Double> itemScores(ContinuationScore s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(LOGLIK, s.logProb());
        m.put(LOGLIK_PER_TOKEN, s.logProb() / s.tokens());
        return m;
    }

    /** Summary metrics over all items; {@code items.get(i)} was scored {@code scores.get(i)}. */
    public static Map<String, Double> summary(List<HeldOutItem> items, List<ContinuationScore> scores) {
        if (items.isEmpty() || items.size() != scores.size()) {
            throw new IllegalArgumentException(items.size() + " items and " + scores.size() + " scores");
        }
        double ll = 0, perToken = 0;
        long tokens = 0, bytes = 0;
        for (int i = 0; i < items.size(); i++) {
            ContinuationScore s = scores.get(i);
            ll += s.logProb();
            perToken += s.logProb() / s.tokens();
            tokens += s.tokens();
            bytes += items.get(i).response().getBytes(StandardCharsets.UTF_8).length;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(LOGLIK, ll / items.size());
        m.put(LOGLIK_PER_TOKEN, perToken / items.size());
        m.put(PERPLEXITY, Math.exp(-ll / tokens));
        m.put(BITS_PER_BYTE, -ll / (Math.log(2) * bytes));
        return m;
    }
}
