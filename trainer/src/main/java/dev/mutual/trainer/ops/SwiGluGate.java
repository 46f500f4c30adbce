package dev.mutual.trainer.ops;

/**
 * The SwiGLU MLP's gate: act = silu(gate) * up = gate * sigmoid(gate) * up, forward and backward side by side
 * (sig = sigmoid(gate), which the eager engine's backward computes again rather than keeping it from the forward). The vector forms (inference {@code Kernels.swiglu}, the eager
 * engine's {@code Swiglu}) compute the same with {@link Exp}; these are the definitions they and the tests follow.
 */
public final class SwiGluGate {
    private SwiGluGate() {}

    /** sigmoid(x) = 1 / (1 + e^-x). */
    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** act = gate * sig * up. */
    public static double forward(double gate, double sig, double up) {
        return gate * sig * up;
    }

    /** d act / d up times the upstream gradient: grad * gate * sig. */
    public static double upBackward(double grad, double gate, double sig) {
        return grad * gate * sig;
    }

    /** d act / d gate times the upstream gradient: grad * up * sig * (1 + gate * (1 - sig)) (d silu / dx). */
    public static double gateBackward(double grad, double gate, double sig, double up) {
        return grad * up * sig * (1 + gate * (1 - sig));
    }

    /** The float forward of inference's scalar path: gate / (1 + e^-gate) * up. */
    public static float forward(float gate, float up) {
        return gate / (1f + (float) Math.exp(-gate)) * up;
    }
}
