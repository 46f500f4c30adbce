package dev.mutual.trainer.inference;

import dev.mutual.trainer.model.ModelConfig;

/**
 * Causal grouped-query attention of one sequence's new rows against its cache (HF eager attention):
 * softmax(q . k^T / sqrt(hd)) . v, query head h reading KV head h / (heads / kvHeads). With a sliding window W
 * (Mistral) position i sees positions i-W+1 .. i, i.e. W positions including itself (transformers
 * {@code sliding_window_overlay}: kv_idx > q_idx - W).
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
            int first = c.slidingWindow() > 0 ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
            for (int h = 0; h < heads; h++) {
                int qo = (row0 + i) * heads * hd + h * hd, kvo = (h / group) * hd;
                float max = Float.NEGATIVE_INFINITY;
                // positions first .. start-1 from the cache, walking its slots (a ring wraps at most once), then the chunk's
                int cached = start, wrap = cache.capacity() * kvDim;
                for (int j = first, so = first < cached ? cache.offset(first) : 0; j < cached; j++) {
                    float s = Kernels.dot(q, qo, keys, so + kvo, hd, vector) * scale;
                    scores[j] = s;
                    if (s > max) max = s;
                    if ((so += kvDim) == wrap) so = 0;
                }
                for (int j = Math.max(first, start); j <= pos; j++) {
                    float s = Kernels.dot(q, qo, k, (row0 + j - start) * kvDim + kvo, hd, vector) * scale;
                    scores[j] = s;
                    if (s > max) max = s;
                }
                float sum = Kernels.expShifted(scores, first, pos + 1, max, vector);
                int oo = (row0 + i) * heads * hd + h * hd;
                java.util.Arrays.fill(out, oo, oo + hd, 0f);
                for (int j = first, so = first < cached ? cache.offset(first) : 0; j < cached; j++) {
                    Kernels.axpy(out, oo, scores[j] / sum, values, so + kvo, hd, vector);
                    if ((so += kvDim) == wrap) so = 0;
                }
                for (int j = Math.max(first, start); j <= pos; j++) {
                    Kernels.axpy(out, oo, scores[j] / sum, v, (row0 + j - start) * kvDim + kvo, hd, vector);
                }
            }
        }
    }
}
