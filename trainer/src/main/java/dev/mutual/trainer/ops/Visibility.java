package dev.mutual.trainer.ops;

/**
 * Which keys a query attends to, for every engine: causal (key position <= query position), within one packed
 * example (same segment), and with Mistral's sliding window W only the last W positions including the query's own
 * (transformers {@code sliding_window_overlay}: kv_idx > q_idx - W). A window <= 0 means none.
 *
 * <p>Inference ({@code Attention}) reads the rule as a run of positions, {@link #firstVisible} .. t (one sequence, no
 * segments); the eager engine asks {@link #visible} per key; the SameDiff graph adds {@link #additiveMask}.
 */
public final class Visibility {
    private Visibility() {}

    /** Whether the query at position t sees the key at position j, given their segments. */
    public static boolean visible(int t, int j, int segmentT, int segmentJ, int window) {
        return j <= t && segmentT == segmentJ && (window <= 0 || t - j < window);
    }

    /** The first position the query at position t sees in its own sequence: it sees firstVisible(t) .. t. */
    public static int firstVisible(int t, int window) {
        return window > 0 ? Math.max(0, t - window + 1) : 0;
    }

    /**
     * Additive {@code [groups * seqLen][seqLen]} mask for one unpacked sequence: 0 where row g * seqLen + t (query
     * position t, the same for each of the {@code groups} query heads sharing a KV head) sees key j, {@code masked}
     * elsewhere.
     */
    public static double[][] additiveMask(int groups, int seqLen, int window, double masked) {
        double[][] m = new double[groups * seqLen][seqLen];
        for (int g = 0; g < groups; g++) {
            for (int t = 0; t < seqLen; t++) {
                for (int j = 0; j < seqLen; j++) m[g * seqLen + t][j] = visible(t, j, 0, 0, window) ? 0 : masked;
            }
        }
        return m;
    }
}
