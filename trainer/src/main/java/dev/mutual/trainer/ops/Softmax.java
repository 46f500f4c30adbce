package dev.mutual.trainer.ops;

import java.util.function.IntPredicate;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row softmax and log-sum-exp, forward and backward side by side, for every engine: the row max, e^(x - max) and its
 * sum, logZ = max + log(sum), y = e / sum, and the backward dx = y * (dy - sum_j dy_j y_j).
 *
 * <p>Each float form comes twice: a Vector API path and its scalar twin, which runs the same steps one float at a
 * time. The max is exact in both and each e^(x - max) is {@link Exp}'s (the twin is {@link Exp#exp(float)}, bit for
 * bit the lanes of {@link Exp#exp(FloatVector)}), so the two paths differ only in the order of the sums (SoftmaxTest
 * bounds it in ulps). The fp64 forms use {@link Math#exp} and are the definitions in double the twins are tested
 * against, and what the eager engine's fp64 gradient checks run.
 *
 * <p>Users: inference {@code Attention} (softmax over the visible run of a query, {@link #forward(float[], int, int,
 * float)}), {@code Decoder.targetLogprobs} (per-tile {@link #logSumExp(float[], int, int)}, the tiles combined by
 * {@link #logSumExp(double[], int, int)}: logZ = M + log(sum_t exp(lse_t - M)) is log-sum-exp over the tiles' values),
 * the eager {@code CrossEntropy} ({@link #max}, {@link #exps}, {@link #scale}; fp64 {@link #logSumExp(double[], int,
 * int)} and {@link #forward(double[], int, int)}) and {@code EagerDecoder}'s attention ({@link #forwardMasked},
 * {@link #backward(double[], int, double[], int, int)}).
 *
 * <p>Masks: a key the query does not see ({@link Visibility}) gets weight exactly 0 in {@link #forwardMasked}. The
 * SameDiff graph cannot call Java per element, so it keeps SameDiff's softmax op (whose gradient is right in ND4J
 * M2.1, unlike its logSumExp / logSoftmax) over scores plus {@link Visibility#additiveMask} filled with
 * {@link #MASKED}, and writes its cross-entropy's log-sum-exp as this class's rule (max + log(sum(exp(x - max)))).
 *
 * <p>Edge rows: a row whose every (visible) entry is -inf has log-sum-exp -inf and softmax all zeros, where the plain
 * formula would give NaN; -inf entries beside finite ones get weight 0 in double and at most e^-87 (about 1.6e-38,
 * {@link Exp#MIN}) in float. Finite extremes never overflow: x - max <= 0, so every e^(x - max) <= 1 and the sum is
 * at most n.
 *
 * <p>Vectors are {@link Exp#SPECIES} (256-bit, or the preferred width where narrower), the species of every loop that
 * calls {@link Exp}; the vector methods are small and loop over that one constant species, as C2 needs to compile
 * them to vector code.
 */
public final class Softmax {
    private Softmax() {}

    /** The vector species of the vector paths: {@link Exp#SPECIES} (see there why one species). */
    public static final VectorSpecies<Float> S = Exp.SPECIES;
    private static final int L = S.length();

    /**
     * The additive mask value for scores a query does not see (the SameDiff graph's {@link Visibility#additiveMask}):
     * exp(-1e9 - max) is exactly 0 in fp32 and fp64 with {@link Math#exp}, and -1e9 + a score stays finite.
     */
    public static final double MASKED = -1e9;

    // ---------------------------------------------------------------------------------------------------------
    // Row max

    /** max_i x[o + i] over n values (-inf for n = 0). Vector path. */
    public static float max(float[] x, int o, int n) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector m = FloatVector.fromArray(S, x, o);
            for (i = L; i + L <= n; i += L) m = m.max(FloatVector.fromArray(S, x, o + i));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) max = Math.max(max, x[o + i]);
        return max;
    }

    /** Scalar twin of {@link #max(float[], int, int)} (the same value: max is exact). */
    public static float maxScalar(float[] x, int o, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[o + i]);
        return max;
    }

    /** max_i x[o + i] in double. */
    public static double max(double[] x, int o, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[o + i]);
        return max;
    }

    // ---------------------------------------------------------------------------------------------------------
    // e^(x - max) and its sum: the step softmax and log-sum-exp share

    /**
     * x[o + i] = e^(x[o + i] - max) in place ({@link Exp}); returns their sum, accumulated in float lanes. With max the
     * row's max every value is in (0, 1] and the sum in [1, n].
     */
    public static float exps(float[] x, int o, int n, float max) {
        int i = 0;
        float sum = 0f;
        if (n >= L) {
            FloatVector mv = FloatVector.broadcast(S, max), acc = FloatVector.zero(S);
            for (; i + L <= n; i += L) {
                FloatVector e = Exp.exp(FloatVector.fromArray(S, x, o + i).sub(mv));
                e.intoArray(x, o + i);
                acc = acc.add(e);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = Exp.exp(x[o + i] - max);
            x[o + i] = e;
            sum += e;
        }
        return sum;
    }

    /** Scalar twin of {@link #exps}: the same values (bit for bit), summed in order. */
    public static float expsScalar(float[] x, int o, int n, float max) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = Exp.exp(x[o + i] - max);
            x[o + i] = e;
            sum += e;
        }
        return sum;
    }

    /** x[o + i] *= factor: a softmax's normalisation when the caller folds more into the factor (cross-entropy). */
    public static void scale(float[] x, int o, int n, float factor) {
        int i = 0;
        // the broadcast hoisted: mul(float) in the loop left a float[] per vector in JFR's allocation samples (JDK 17)
        FloatVector fv = FloatVector.broadcast(S, factor);
        for (; i + L <= n; i += L) FloatVector.fromArray(S, x, o + i).mul(fv).intoArray(x, o + i);
        for (; i < n; i++) x[o + i] *= factor;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Log-sum-exp: logZ = max + log(sum_i e^(x_i - max))

    /** The rule itself: logZ from the row's max and sum_i e^(x_i - max); -inf for a row of -inf (max = -inf). */
    public static double logSumExp(double max, double sumOfShifted) {
        return max == Double.NEGATIVE_INFINITY ? max : max + Math.log(sumOfShifted);
    }

    /**
     * log(sum_i e^(x[o + i])) over n values, x unchanged. Vector path: e^(x - max) by {@link Exp}, summed in float
     * lanes, the tail in double.
     */
    public static double logSumExp(float[] x, int o, int n) {
        float max = max(x, o, n);
        if (max == Float.NEGATIVE_INFINITY) return max;
        int i = 0;
        double sum = 0;
        if (n >= L) {
            FloatVector mv = FloatVector.broadcast(S, max), acc = FloatVector.zero(S);
            for (; i + L <= n; i += L) acc = acc.add(Exp.exp(FloatVector.fromArray(S, x, o + i).sub(mv)));
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) sum += Exp.exp(x[o + i] - max);
        return logSumExp(max, sum);
    }

    /** Scalar twin of {@link #logSumExp(float[], int, int)}: the same e^(x - max) values, summed in order in double. */
    public static double logSumExpScalar(float[] x, int o, int n) {
        float max = maxScalar(x, o, n);
        if (max == Float.NEGATIVE_INFINITY) return max;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Exp.exp(x[o + i] - max);
        return logSumExp(max, sum);
    }

    /**
     * The definition in double: log(sum_i e^(x[o + i])) with {@link Math#exp}. Also the rule that combines the
     * log-sum-exps of a row's parts (tiles of the LM head): logZ = M + log(sum_t e^(lse_t - M)), M = max_t lse_t.
     */
    public static double logSumExp(double[] x, int o, int n) {
        double max = max(x, o, n);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(x[o + i] - max);
        return logSumExp(max, sum);
    }

    /** {@link #logSumExp(double[], int, int)} of a float row: each value widened to double, {@link Math#exp}. */
    public static double logSumExpF64(float[] x, int o, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[o + i]);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(x[o + i] - max);
        return logSumExp(max, sum);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Softmax forward: y = e^(x - max) / sum, in place

    /** Softmax of x[o .. o + n) in place. Vector path. */
    public static void forward(float[] x, int o, int n) {
        forward(x, o, n, max(x, o, n));
    }

    /**
     * Softmax in place given the row's max (a caller that found it while writing the row, as attention's scores):
     * e = e^(x - max) by {@link #exps}, then y = e / sum. A row of -inf (max = -inf) becomes zeros.
     */
    public static void forward(float[] x, int o, int n, float max) {
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, o, o + n, 0f);
            return;
        }
        float sum = exps(x, o, n, max);
        int i = 0;
        FloatVector sv = FloatVector.broadcast(S, sum);
        for (; i + L <= n; i += L) FloatVector.fromArray(S, x, o + i).div(sv).intoArray(x, o + i);
        for (; i < n; i++) x[o + i] /= sum;
    }

    /** Scalar twin of {@link #forward(float[], int, int)}. */
    public static void forwardScalar(float[] x, int o, int n) {
        forwardScalar(x, o, n, maxScalar(x, o, n));
    }

    /** Scalar twin of {@link #forward(float[], int, int, float)}. */
    public static void forwardScalar(float[] x, int o, int n, float max) {
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, o, o + n, 0f);
            return;
        }
        float sum = expsScalar(x, o, n, max);
        for (int i = 0; i < n; i++) x[o + i] /= sum;
    }

    /** Softmax of x[o .. o + n) in place, in double with {@link Math#exp}: the definition. */
    public static void forward(double[] x, int o, int n) {
        forwardMasked(x, o, n, null);
    }

    /**
     * Softmax in double over the keys j (0 .. n-1, at x[o + j]) with {@code visible.test(j)}; the others get exactly 0
     * whatever their score ({@code null}: all visible). With no visible key (or only -inf scores) the row is zeros.
     */
    public static void forwardMasked(double[] x, int o, int n, IntPredicate visible) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) if (visible == null || visible.test(j)) max = Math.max(max, x[o + j]);
        if (max == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, o, o + n, 0);
            return;
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double e = visible == null || visible.test(j) ? Math.exp(x[o + j] - max) : 0;
            x[o + j] = e;
            sum += e;
        }
        for (int j = 0; j < n; j++) x[o + j] /= sum;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Softmax backward: dx = y * (dy - sum_j dy_j y_j), in place in dy

    /**
     * The input gradient from the output y and its gradient dy, written over dy. A key with y = 0 (masked) gets 0.
     * Vector path (the dot in float lanes).
     */
    public static void backward(float[] y, int yo, float[] dy, int dyo, int n) {
        int i = 0;
        float dot = 0f;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            for (; i + L <= n; i += L) acc = FloatVector.fromArray(S, dy, dyo + i).fma(FloatVector.fromArray(S, y, yo + i), acc);
            dot = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) dot = Math.fma(dy[dyo + i], y[yo + i], dot);
        FloatVector dv = FloatVector.broadcast(S, dot);
        for (i = 0; i + L <= n; i += L) {
            FloatVector.fromArray(S, dy, dyo + i).sub(dv).mul(FloatVector.fromArray(S, y, yo + i)).intoArray(dy, dyo + i);
        }
        for (; i < n; i++) dy[dyo + i] = (dy[dyo + i] - dot) * y[yo + i];
    }

    /** Scalar twin of {@link #backward(float[], int, float[], int, int)} (the dot's fused multiply-adds in order). */
    public static void backwardScalar(float[] y, int yo, float[] dy, int dyo, int n) {
        float dot = 0f;
        for (int i = 0; i < n; i++) dot = Math.fma(dy[dyo + i], y[yo + i], dot);
        for (int i = 0; i < n; i++) dy[dyo + i] = (dy[dyo + i] - dot) * y[yo + i];
    }

    /** {@link #backward(float[], int, float[], int, int)} in double: the definition, and the eager engine's form. */
    public static void backward(double[] y, int yo, double[] dy, int dyo, int n) {
        double dot = 0;
        for (int i = 0; i < n; i++) dot += dy[dyo + i] * y[yo + i];
        for (int i = 0; i < n; i++) dy[dyo + i] = y[yo + i] * (dy[dyo + i] - dot);
    }
}
