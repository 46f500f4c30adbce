package dev.mutual.trainer.inference;

import java.util.Arrays;
import java.util.Random;

/**
 * Sampling with temperature, top-k and top-p, as transformers' TemperatureLogitsWarper, TopKLogitsWarper and
 * TopPLogitsWarper in that order, then a draw from the softmax of what is left.
 */
public record TemperatureSampler(double temperature, int topK, double topP) implements Sampler {
    public TemperatureSampler {
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0 for sampling, got " + temperature);
    }

    @Override
    public int sample(float[] logits, Random rng) {
        int n = logits.length;
        // Candidates sorted by logit, descending; ties by id so the order is deterministic.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, n) : n;
        double max = logits[order[0]] / temperature;
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[order[i]] / temperature - max);
            sum += p[i];
        }
        if (topP < 1) {
            // keep the smallest prefix whose probability reaches topP (always at least one token)
            double cum = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cum += p[i] / sum;
                if (cum >= topP) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) sum += p[i];
        }
        double r = rng.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            r -= p[i];
            if (r < 0) return order[i];
        }
        return order[keep - 1];
    }
}
