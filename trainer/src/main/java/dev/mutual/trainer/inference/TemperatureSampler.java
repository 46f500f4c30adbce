package dev.mutual.trainer.inference;

import java.util.Arrays;
import java.util.Random;

/**
 * Sampling with temperature, top-k and top-p, as transformers' TemperatureLogitsWarper, TopKLogitsWarper and
 * TopPLogitsWarper in that order, then a draw from the softmax of what is left:
 * <ol>
 *   <li>top-k keeps every token whose logit is at least the k-th largest (ties at the threshold stay, as HF);</li>
 *   <li>top-p keeps, in descending probability, the tokens before the cumulative probability first reaches p,
 *       plus the one that reaches it (HF removes tokens whose ascending cumulative probability is <= 1 - p).</li>
 * </ol>
 * Only the few hundred most likely tokens are ever sorted: a full sort of a 150k vocabulary per token would cost
 * more than the forward pass of a small model. The candidate set grows until it holds the whole top-p mass.
 */
public record TemperatureSampler(double temperature, int topK, double topP) implements Sampler {
    private static final int FIRST_CANDIDATES = 256;

    public TemperatureSampler {
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0 for sampling, got " + temperature);
    }

    @Override
    public int sample(float[] logits, Random rng) {
        int n = logits.length;
        float kth = topK > 0 && topK < n ? kthLargest(logits, topK) : Float.NEGATIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        // Mass of everything top-k keeps, so probabilities are normalised over the right set.
        double total = 0;
        int kept = 0;
        int last = 0;
        for (int i = 0; i < n; i++) {
            if (logits[i] >= kth) {
                total += Math.exp((logits[i] - max) / temperature);
                kept++;
                last = i;
            }
        }
        if (topP >= 1) {
            // No nucleus: draw among the kept tokens in id order, no sorting needed.
            double r = rng.nextDouble() * total;
            for (int i = 0; i < n; i++) {
                if (logits[i] < kth) continue;
                r -= Math.exp((logits[i] - max) / temperature);
                if (r < 0) return i;
            }
            return last;
        }
        for (int want = FIRST_CANDIDATES; ; want *= 16) { // any growth draws the same token; 16 spares flat rows 2 sorts
            int[] cand = candidates(logits, Math.min(want, n), kth);
            boolean complete = cand.length >= kept;
            double[] p = new double[cand.length];
            double cum = 0;
            int keep = -1;
            for (int i = 0; i < cand.length && keep < 0; i++) {
                p[i] = Math.exp((logits[cand[i]] - max) / temperature);
                cum += p[i];
                if (cum / total >= topP) keep = i + 1;
            }
            if (keep < 0 && !complete) continue; // the nucleus reaches past the candidates: take more
            if (keep < 0) keep = cand.length; // rounding left the sum a hair under topP: the whole set
            double r = rng.nextDouble() * cum;
            for (int i = 0; i < keep; i++) {
                r -= p[i];
                if (r < 0) return cand[i];
            }
            return cand[keep - 1];
        }
    }

    /**
     * Ids of the (at least) m largest logits that are >= floor, by logit descending, ties by id. Sorted as primitive
     * longs (order key in the high half, id in the low half): with a near-uniform distribution the nucleus is most of
     * the vocabulary, and a comparator sort of boxed ids took two thirds of sampling time (BENCHMARKS.md, MAIN).
     */
    static int[] candidates(float[] logits, int m, float floor) {
        float t = m >= logits.length ? Float.NEGATIVE_INFINITY : kthLargest(logits, m);
        float cut = Math.max(t, floor);
        int count = countAtLeast(logits, cut);
        long[] keys = new long[count];
        for (int i = 0, j = 0; i < logits.length; i++) if (logits[i] >= cut) keys[j++] = (long) descending(logits[i]) << 32 | i;
        Arrays.sort(keys);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = (int) keys[i];
        return out;
    }

    /** An int whose ascending order is the descending order of the floats; -0.0 and 0.0 equal, as {@code ==} has them. */
    static int descending(float v) {
        int bits = Float.floatToIntBits(v + 0.0f); // -0.0 + 0.0 is 0.0
        return ~(bits ^ ((bits >> 31) & 0x7fffffff)); // sign-magnitude to two's complement, then reversed
    }

    private static int countAtLeast(float[] logits, float cut) {
        int c = 0;
        for (float l : logits) if (l >= cut) c++;
        return c;
    }

    /** The k-th largest value (1-based), by quickselect on a copy: O(n) expected. */
    static float kthLargest(float[] values, int k) {
        float[] a = values.clone();
        int lo = 0, hi = a.length - 1, target = k - 1; // index in descending order
        Random pivots = new Random(a.length);
        while (lo < hi) {
            float pivot = a[lo + pivots.nextInt(hi - lo + 1)];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) {
                    float tmp = a[i]; a[i] = a[j]; a[j] = tmp;
                    i++;
                    j--;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else return a[target];
        }
        return a[target];
    }
}
