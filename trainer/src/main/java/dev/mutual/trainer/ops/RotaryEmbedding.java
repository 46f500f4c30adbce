package dev.mutual.trainer.ops;

/**
 * Rotary position embedding, HF's rotate_half layout: dimension j of a head pairs with j + hd/2, and the pair (a, b)
 * turns by the angle pos * invFreq[j] ({@link dev.mutual.trainer.model.RopeFrequencies}, llama3 scaling included):
 * forward (a, b) -> (a cos - b sin, b cos + a sin); backward the transposed rotation, (da, db) -> (da cos + db sin,
 * db cos - da sin). Inference rotates in float (transformers' fp32 angles), the eager engine in double, the SameDiff
 * graph as x * cos + rotate_half(x) * sin with rotate_half built from this rule ({@link #rotateHalfMatrix}).
 */
public final class RotaryEmbedding {
    private RotaryEmbedding() {}

    /** First of the rotated pair: a cos - b sin. */
    public static double first(double a, double b, double cos, double sin) {
        return a * cos - b * sin;
    }

    /** Second of the rotated pair: b cos + a sin. */
    public static double second(double a, double b, double cos, double sin) {
        return b * cos + a * sin;
    }

    /** Gradient of the first input from the output gradients (da, db): the rotation transposed, da cos + db sin. */
    public static double firstBackward(double da, double db, double cos, double sin) {
        return da * cos + db * sin;
    }

    /** Gradient of the second input: db cos - da sin. */
    public static double secondBackward(double da, double db, double cos, double sin) {
        return db * cos - da * sin;
    }

    /** {@link #first} in float, as the inference engine rotates. */
    public static float first(float a, float b, float cos, float sin) {
        return a * cos - b * sin;
    }

    /** {@link #second} in float. */
    public static float second(float a, float b, float cos, float sin) {
        return b * cos + a * sin;
    }

    /**
     * M with (x @ M) = rotate_half(x) per head of hd dimensions, {@code heads} heads: the rotation at cos 0, sin 1
     * applied to each unit vector, so the graph's x * cos + rotate_half(x) * sin is this rule.
     */
    public static double[][] rotateHalfMatrix(int hd, int heads) {
        int half = hd / 2;
        double[][] m = new double[heads * hd][heads * hd];
        for (int h = 0; h < heads; h++) {
            int o = h * hd;
            for (int j = 0; j < half; j++) {
                // row i of M is the image of unit vector e_i; e_j is (a, b) = (1, 0), e_{j+half} is (0, 1)
                m[o + j][o + j] = first(1.0, 0.0, 0.0, 1.0);
                m[o + j][o + j + half] = second(1.0, 0.0, 0.0, 1.0);
                m[o + j + half][o + j] = first(0.0, 1.0, 0.0, 1.0);
                m[o + j + half][o + j + half] = second(0.0, 1.0, 0.0, 1.0);
            }
        }
        return m;
    }
}
