package dev.mutual.trainer.ops;

/**
 * HF LlamaRMSNorm per token: y = x * r * g with r = (mean(x^2) + eps)^-1/2, forward and backward side by side.
 * Backward: with u = dy * g, dx = r * u - x * r^3 * sum(u * x) / D, and dg = sum over tokens of dy * x * r. The
 * inference engine sums squares in double over fp32 x ({@link #forward(float[], int, float[], int, float[], int, double)});
 * the eager engine's fp32 form sums in vector lanes and takes {@link #inverseRms} of that; the SameDiff graph
 * composes the same formula from its ops.
 */
public final class RmsNorm {
    private RmsNorm() {}

    /** r = 1 / sqrt(sumOfSquares / d + eps). */
    public static double inverseRms(double sumOfSquares, int d, double eps) {
        return 1 / Math.sqrt(sumOfSquares / d + eps);
    }

    /** One row in fp32: out[oo + i] = weight[i] * (x[xo + i] * r), the sum of squares in double. */
    public static void forward(float[] out, int oo, float[] x, int xo, float[] weight, int d, double eps) {
        double ss = 0;
        for (int i = 0; i < d; i++) ss += (double) x[xo + i] * x[xo + i];
        float inv = (float) inverseRms(ss, d, eps);
        for (int i = 0; i < d; i++) out[oo + i] = weight[i] * (x[xo + i] * inv);
    }

    /** The per-row factor of the backward: r^3 * sum_j(dy_j g_j x_j) / D, so that dx_j += r dy_j g_j - x_j * k. */
    public static double backwardFactor(double r, double dotDyGX, int d) {
        return r * r * r * dotDyGX / d;
    }

    /** dx_j's increment: r * dy * g - x * k with k from {@link #backwardFactor}. */
    public static double inputGradient(double r, double dy, double g, double x, double k) {
        return r * dy * g - x * k;
    }
}
