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
        // Mass of everything top-k keeps, so probabilities are normalised over the right set; each weight once.
        double[] e = new double[n];
        double total = 0;
        int kept = 0;
        int last = 0;
        for (int i = 0; i < n; i++) {
            if (logits[i] >= kth) {
                e[i] = Math.exp((logits[i] - max) / temperature);
                total += e[i];
                kept++;
                last = i;
            }
        }
        if (topP >= 1) {
            // No nucleus: draw among the kept tokens in id order, no sorting needed.
            double r = rng.nextDouble() * total;
            for (int i = 0; i < n; i++) {
                if (logits[i] < kth) continue;
                r -= e[i];
                if (r < 0) return i;
            }
            return last;
        }
        for (int want = FIRST_CANDIDATES; ; ) {
            int[] cand = candidates(logits, Math.min(want, n), kth);
            boolean complete = cand.length >= kept;
            double[] p = new double[cand.length];
            double cum = 0;
            int keep = -1;
            for (int i = 0; i < cand.length && keep < 0; i++) {
                p[i] = e[cand[i]];
                cum += p[i];
                if (cum / total >= topP) keep = i + 1;
            }
            if (keep < 0 && !complete) {
                // the nucleus reaches past the candidates: take as many more as the mass seen suggests (a flat row of a
                // random model goes straight to the whole set); any growth draws the same token
                want = (int) Math.min(n, Math.max(4L * want, (long) Math.ceil(cand.length * topP / (cum / total) * 1.25)));
                continue;
            }
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
     * Ids of the (at least) m largest logits that are >= floor, by logit descending, ties by id: a stable radix sort
     * of the ids (gathered in ascending order) by an integer key of their logit. With a near-uniform distribution the
     * nucleus is most of the vocabulary; a comparator sort of boxed ids took two thirds of sampling time, a sort of
     * packed longs still half (BENCHMARKS.md, "MAIN").
     */
    static int[] candidates(float[] logits, int m, float floor) {
        float t = m >= logits.length ? Float.NEGATIVE_INFINITY : kthLargest(logits, m);
        float cut = Math.max(t, floor);
        int count = countAtLeast(logits, cut);
        int[] keys = new int[count], ids = new int[count];
        for (int i = 0, j = 0; i < logits.length; i++) {
            if (logits[i] >= cut) {
                keys[j] = descending(logits[i]) ^ Integer.MIN_VALUE; // signed order as unsigned order
                ids[j++] = i;
            }
        }
        return radixSort(keys, ids);
    }

    /**
     * The ids ordered by their keys as unsigned ints, ascending; equal keys keep their order. LSD radix sort, 11 bits
     * a pass; a pass is skipped when every key has the same digit there (logits of one row share their top bits).
     */
    static int[] radixSort(int[] keys, int[] ids) {
        int n = keys.length;
        int[] k2 = new int[n], i2 = new int[n], count = new int[1 << 11];
        for (int shift = 0; shift < 32; shift += 11) {
            Arrays.fill(count, 0);
            for (int k : keys) count[(k >>> shift) & 0x7ff]++;
            if (n == 0 || count[(keys[0] >>> shift) & 0x7ff] == n) continue;
            for (int d = 0, sum = 0; d < count.length; d++) {
                int c = count[d];
                count[d] = sum;
                sum += c;
            }
            for (int j = 0; j < n; j++) {
                int at = count[(keys[j] >>> shift) & 0x7ff]++;
                k2[at] = keys[j];
                i2[at] = ids[j];
            }
            int[] swap = keys;
            keys = k2;
            k2 = swap;
            swap = ids;
            ids = i2;
            i2 = swap;
        }
        return ids;
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

    /**
     * The k-th largest value (1-based): for a small k through a min-heap of the k largest seen (one pass, most values
     * only compared with the heap's top), else by quickselect on a copy: O(n) expected.
     */
    static float kthLargest(float[] values, int k) {
        if (k <= 1024 && 8L * k <= values.length) return kthLargestByHeap(values, k);
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

    private static float kthLargestByHeap(float[] values, int k) {
        float[] heap = Arrays.copyOf(values, k);
        for (int i = k / 2 - 1; i >= 0; i--) siftDown(heap, i, k);
        for (int i = k; i < values.length; i++) {
            if (values[i] > heap[0]) {
                heap[0] = values[i];
                siftDown(heap, 0, k);
            }
        }
        return heap[0];
    }

    /** Restores the min-heap order below {@code i}. */
    private static void siftDown(float[] heap, int i, int n) {
        float v = heap[i];
        for (int child = 2 * i + 1; child < n; child = 2 * i + 1) {
            if (child + 1 < n && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= v) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = v;
    }
}
