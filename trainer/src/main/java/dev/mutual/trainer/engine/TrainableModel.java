package dev.mutual.trainer.engine;

import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the training loop needs from a model, whatever computes it: the SameDiff graph
 * ({@link dev.mutual.trainer.graph.DecoderGraph}) or another engine. Parameters are live ND4J arrays keyed by HF
 * tensor names; the optimizer updates them in place.
 */
public interface TrainableModel {

    ModelConfig config();

    /** Sequences per micro-batch this model takes. */
    int batchSize();

    /** Tokens per sequence this model takes. */
    int seqLen();

    /** Names of the trainable tensors (HF names; with a LoRA adapter, the adapter's). */
    List<String> parameterNames();

    /** The live array of a trainable tensor; updating it in place changes the model. */
    INDArray parameter(String name);

    /** The weighted mean loss of a batch, no gradients (validation). */
    double loss(TokenBatch batch);

    /** Forward and backward: the weighted mean loss and d loss / d parameter for every {@link #parameterNames}. */
    LossAndGradients lossAndGradients(TokenBatch batch);

    /** The current (base) weights as fp32, to save as a checkpoint or to run inference. */
    DecoderWeights toWeights();

    /**
     * The state of the model's own randomness (LoRA dropout) that a checkpoint saves so a resumed run draws what
     * the uninterrupted run would have drawn; empty for a model without randomness.
     */
    default long[] randomState() {
        return new long[0];
    }

    /** Continues from a {@link #randomState} saved earlier by a model of the same kind. */
    default void restoreRandomState(long[] state) {
        if (state.length != 0) {
            throw new IllegalArgumentException("this model has no random state, got " + state.length + " values");
        }
    }

    /** Called by the training loop after each optimizer step: housekeeping such as freeing per-step arrays. */
    default void afterStep() {}
}
