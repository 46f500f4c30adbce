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
     * @param out   [rows, heads*hd], rows row0 .. row0+n-1 written
     * @param q     [rows, heads*hd] after RoPE
     * @param start position of the first new row; keys/values for positions 0 .. start+n-1 are in the cache
     */
    static void forward(float[] out, float[] q, int row0, int n, int start, float[] keys, float[] values, ModelConfig c, boolean vector) {
        forward(out, q, row0, 0, n, start, keys, values, c, vector);
    }

    /** Rows i0 .. i1-1 of the chunk only: rows are independent, so callers may split a chunk across threads. */
    static void forward(float[] out, float[] q, int row0, int i0, int i1, int start, float[] keys, float[] values, ModelConfig c, boolean vector) {
        int hd = c.headDim(), heads = c.numHeads(), kvDim = c.numKvHeads() * hd, group = c.groupSize();
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] scores = new float[start + i1];
        for (int i = i0; i < i1; i++) {
            int pos = start + i;
            int first = c.slidingWindow() > 0 ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
            for (int h = 0; h < heads; h++) {
                int qo = (row0 + i) * heads * hd + h * hd, kvo = (h / group) * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = first; j <= pos; j++) {
                    float s = Kernels.dot(q, qo, keys, j * kvDim + kvo, hd, vector) * scale;
                    scores[j] = s;
                    if (s > max) max = s;
                }
                float sum = Kernels.expShifted(scores, first, pos + 1, max, vector);
                int oo = (row0 + i) * heads * hd + h * hd;
                java.util.Arrays.fill(out, oo, oo + hd, 0f);
                for (int j = first; j <= pos; j++) Kernels.axpy(out, oo, scores[j] / sum, values, j * kvDim + kvo, hd, vector);
            }
        }
    }
}
