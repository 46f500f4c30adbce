package dev.mutual.trainer.graph;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The result of one forward/backward pass of {@link DecoderGraph}. The gradient arrays are off-heap and owned
 * by this object: close it once the optimizer has used them (try-with-resources).
 *
 * @param loss      weighted mean next-token cross-entropy: sum(w_i * nll_i) / sum(w_i)
 * @param weightSum sum of the loss weights (the denominator above)
 * @param gradients d loss / d parameter, keyed by the HF tensor name, same shape as the parameter
 */
public record LossAndGradients(double loss, double weightSum, Map<String, INDArray> gradients)
        implements AutoCloseable {

    public LossAndGradients {
        gradients = Map.copyOf(gradients);
    }

    @Override
    public void close() {
        for (INDArray g : gradients.values()) {
            if (g.closeable()) g.close();
        }
    }
}
