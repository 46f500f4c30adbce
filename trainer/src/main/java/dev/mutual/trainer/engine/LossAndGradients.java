package dev.mutual.trainer.engine;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The result of one forward/backward pass. Use it in try-with-resources: when it owns its gradient arrays
 * ({@code ownsArrays}, SameDiff's fresh arrays per pass) close() frees them; an engine that reuses gradient buffers
 * across steps (the eager engine) hands them out borrowed, valid until its next pass, and close() leaves them.
 * Callers may scale the arrays in place.
 *
 * @param loss       weighted mean next-token cross-entropy: sum(w_i * nll_i) / sum(w_i)
 * @param weightSum  sum of the loss weights (the denominator above)
 * @param gradients  d loss / d parameter, keyed by the HF tensor name, same shape as the parameter
 * @param ownsArrays whether close() frees the gradient arrays
 */
public record LossAndGradients(double loss, double weightSum, Map<String, INDArray> gradients, boolean ownsArrays)
        implements AutoCloseable {

    public LossAndGradients {
        gradients = Map.copyOf(gradients);
    }

    /** Owns its arrays: close() frees them. */
    public LossAndGradients(double loss, double weightSum, Map<String, INDArray> gradients) {
        this(loss, weightSum, gradients, true);
    }

    @Override
    public void close() {
        if (!ownsArrays) return;
        for (INDArray g : gradients.values()) {
            if (g.closeable()) g.close();
        }
    }
}
