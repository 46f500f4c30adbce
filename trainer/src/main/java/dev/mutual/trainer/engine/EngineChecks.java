package dev.mutual.trainer.engine;

import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.model.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What both training engines (eager and SameDiff) do alike around the math: check the weights and batches they are
 * given, and hand their live arrays back as fp32 weights or a LoRA adapter.
 */
public final class EngineChecks {
    private EngineChecks() {}

    /** Rejects a non-positive batch shape. */
    public static void checkShape(int batch, int seqLen) {
        if (batch <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("batch and seqLen must be positive, got " + batch + ", " + seqLen);
        }
    }

    /**
     * Every tensor of {@link DecoderParameters#shapes} from {@code given}, in checkpoint order, passed through
     * {@code convert} (which keeps or copies it); a missing tensor or a wrong shape is an error naming it.
     */
    public static Map<String, INDArray> checkedWeights(ModelConfig config, Map<String, INDArray> given,
                                                       UnaryOperator<INDArray> convert) {
        return checkedWeights(config, given, java.util.Set.of(), convert);
    }

    /** {@link #checkedWeights(ModelConfig, Map, UnaryOperator)} for every tensor except {@code heldElsewhere}. */
    public static Map<String, INDArray> checkedWeights(ModelConfig config, Map<String, INDArray> given,
                                                       java.util.Set<String> heldElsewhere, UnaryOperator<INDArray> convert) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : DecoderParameters.shapes(config).entrySet()) {
            if (heldElsewhere.contains(e.getKey())) continue;
            INDArray w = given.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("missing weight '" + e.getKey() + "' (expected shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            if (!Arrays.equals(w.shape(), e.getValue())) {
                throw new IllegalArgumentException("weight '" + e.getKey() + "' has shape " + Arrays.toString(w.shape())
                        + ", expected " + Arrays.toString(e.getValue()));
            }
            out.put(e.getKey(), convert.apply(w));
        }
        return out;
    }

    /** Rejects an adapter made for another model. */
    public static void checkAdapter(LoraWeights adapter, ModelConfig config) {
        if (!adapter.model().equals(config)) throw new IllegalArgumentException("the adapter was made for another model config");
    }

    /** Rejects a batch of another shape, ids outside the vocabulary, and (when {@code needWeights}) all-zero weights. */
    public static void checkBatch(TokenBatch b, int batch, int seqLen, int vocab, String engine, boolean needWeights) {
        if (b.batchSize() != batch || b.seqLen() != seqLen) {
            throw new IllegalArgumentException(engine + " built for [" + batch + ", " + seqLen + "], batch is ["
                    + b.batchSize() + ", " + b.seqLen() + "]");
        }
        checkIds(b.inputIds(), batch, seqLen, vocab, "input id");
        checkIds(b.targetIds(), batch, seqLen, vocab, "target id");
        if (needWeights && !(b.weightSum() > 0)) throw new IllegalArgumentException("all loss weights are 0: nothing to learn");
    }

    /** Rejects {@code [batch][seqLen]} ids of another shape or outside [0, vocab). */
    public static void checkIds(int[][] ids, int batch, int seqLen, int vocab, String what) {
        if (ids.length != batch) throw new IllegalArgumentException("expected " + batch + " sequences, got " + ids.length);
        for (int b = 0; b < ids.length; b++) {
            if (ids[b].length != seqLen) {
                throw new IllegalArgumentException("sequence " + b + " has " + ids[b].length + " tokens, expected " + seqLen);
            }
            for (int t = 0; t < seqLen; t++) {
                if (ids[b][t] < 0 || ids[b][t] >= vocab) {
                    throw new IllegalArgumentException(what + " [" + b + "][" + t + "] = " + ids[b][t]
                            + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
        }
    }

    /** The current base weights as fp32 {@link DecoderWeights}, each read through {@code live} by HF name. */
    public static DecoderWeights toWeights(ModelConfig config, Function<String, INDArray> live, String source) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : DecoderParameters.shapes(config).entrySet()) {
            int[] shape = Arrays.stream(e.getValue()).mapToInt(Math::toIntExact).toArray();
            tensors.put(e.getKey(), new Tensor(shape, fp32(live.apply(e.getKey()))));
        }
        return DecoderWeights.fromHfTensors(config, tensors, source);
    }

    /** The current LoRA A and B as fp32 {@link LoraWeights} (PEFT names), each read through {@code live}. */
    public static LoraWeights loraWeights(LoraConfig lora, ModelConfig config, Function<String, INDArray> live) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : LoraWeights.shapes(lora, config).entrySet()) {
            tensors.put(e.getKey(), new Tensor(e.getValue(), fp32(live.apply(e.getKey()))));
        }
        return new LoraWeights(lora, config, tensors);
    }

    private static float[] fp32(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }
}
