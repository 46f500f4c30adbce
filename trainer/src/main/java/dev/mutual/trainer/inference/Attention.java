package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.ops.Softmax;
import dev.mutual.trainer.ops.Visibility;

/**
 * Causal grouped-query attention of one sequence's new rows against its cache (HF eager attention):
 * softmax(q . k^T / sqrt(hd)) . v ({@link Softmax}), query head h reading KV head h / (heads / kvHeads). Position i sees the run
 * {@link Visibility#firstVisible} .. i (causal, and with Mistral's sliding window W the last W positions).
 */
final class Attention {
    private Attention() {}

    /**
     * Rows i0 .. i1-1 of a chunk whose rows are row0 .. row0+n-1 of q, k and v: rows are independent, so callers may
     * split a chunk across threads. Positions before the chunk come from the cache, the chunk's own from k and v
     * (which the cache does not hold yet: a ring cache could not hold a whole chunk longer than the window).
     *
     * @param out   [rows, heads*hd], rows row0+i0 .. row0+i1-1 written
     * @param q     [rows, heads*hd] after RoPE
     * @param k     [rows, kvHeads*hd] after RoPE, the new keys; v likewise
     * @param cache holds positions before the chunk (cache.length() is the chunk's first position), read-only here
     */
    static void forward(float[] out, float[] q, float[] k, float[] v, int row0, int i0, int i1, KvCache cache, int layer,
                        ModelConfig c, boolean vector) {
        int hd = c.headDim(), heads = c.numHeads(), kvDim = c.numKvHeads() * hd, group = c.groupSize();
        int start = cache.length();
        float[] keys = cache.keys[layer], values = cache.values[layer];
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] scores = new float[start + i1];
        for (int i = i0; i < i1; i++) {
            int pos = start + i;
            int first = Visibility.firstVisible(pos, c.slidingWindow());
            for (int h = 0; h < heads; h++) {
                int qo = (row0 + i) * heads * hd + h * hd, kvo = (h / group) * hd;
                // positions first .. start-1 from the cache: one run of slots, or two where a ring wraps; then the chunk's
                int cachedRun = Math.min(start - first, cache.capacity() - (first < start ? cache.offset(first) / kvDim : 0));
                int split = first + Math.max(0, cachedRun), from = Math.max(first, start);
                float max = Float.NEGATIVE_INFINITY;
                if (first < start) {
                    max = Kernels.dots(scores, first, split, q, qo, keys, cache.offset(first) + kvo, kvDim, hd, scale, max, vector);
                    max = Kernels.dots(scores, split, start, q, qo, keys, kvo, kvDim, hd, scale, max, vector);
                }
                max = Kernels.dots(scores, from, pos + 1, q, qo, k, (row0 + from - start) * kvDim + kvo, kvDim, hd, scale, max, vector);
                if (vector) Softmax.forward(scores, first, pos + 1 - first, max);
                else Softmax.forwardScalar(scores, first, pos + 1 - first, max);
                int oo = (row0 + i) * heads * hd + h * hd;
                java.util.Arrays.fill(out, oo, oo + hd, 0f);
                if (first < start) {
                    Kernels.weightedSum(out, oo, scores, first, split, values, cache.offset(first) + kvo, kvDim, hd, vector);
                    Kernels.weightedSum(out, oo, scores, split, start, values, kvo, kvDim, hd, vector);
                }
                Kernels.weightedSum(out, oo, scores, from, pos + 1, v, (row0 + from - start) * kvDim + kvo, kvDim, hd, vector);
            }
        }
    }
}
