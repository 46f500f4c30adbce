package dev.mutual.trainer.engine;

import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.HalfFormat;
import dev.mutual.trainer.model.HalfMatrix;
import dev.mutual.trainer.model.ModelConfig;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The trainable tensors of a LLaMA / Mistral / Qwen2 decoder, by their Hugging Face names and shapes
 * (nn.Linear weights are {@code [out, in]}, as in {@code model.safetensors}).
 */
public final class DecoderParameters {

    public static final String EMBEDDING = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private DecoderParameters() {}

    public static String layer(int i, String suffix) {
        return "model.layers." + i + "." + suffix;
    }

    /**
     * Every trainable tensor in checkpoint order; {@code lm_head.weight} only when the head is untied. The table is
     * {@link DecoderWeights#hfShapes}, so the graph trains exactly the tensors a checkpoint holds.
     */
    public static Map<String, long[]> shapes(ModelConfig c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : DecoderWeights.hfShapes(c).entrySet()) {
            s.put(e.getKey(), Arrays.stream(e.getValue()).asLongStream().toArray());
        }
        return s;
    }

    /** The weights the inference engine uses as ND4J arrays of {@code type}, keyed by HF name (copies). */
    public static Map<String, INDArray> arrays(DecoderWeights weights, DataType type) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, dev.mutual.trainer.model.Tensor> e : weights.toHfTensors().entrySet()) {
            long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
            arrays.put(e.getKey(), Nd4j.create(e.getValue().values(), shape, 'c').castTo(type));
        }
        return arrays;
    }

    /**
     * The tensors of {@code weights} except {@code leaveOut} as ND4J arrays of {@code type}, keyed by HF name (copies),
     * widened one tensor at a time: the heap holds at most one fp32 tensor beyond the weights themselves.
     */
    public static Map<String, INDArray> arrays(DecoderWeights weights, DataType type, java.util.Set<String> leaveOut) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : DecoderWeights.hfShapes(weights.config()).entrySet()) {
            if (leaveOut.contains(e.getKey())) continue;
            long[] shape = Arrays.stream(e.getValue()).asLongStream().toArray();
            arrays.put(e.getKey(), Nd4j.create(weights.fp32(e.getKey()), shape, 'c').castTo(type));
        }
        return arrays;
    }

    /** True for 1-D tensors (norm gains, biases): AdamW leaves these and the embedding undecayed. */
    public static boolean isVector(long[] shape) {
        return shape.length == 1;
    }

    /**
     * Fresh weights for training from scratch: matrices N(0, 0.02) as HF's {@code initializer_range}
     * default, norm gains 1, biases 0. Deterministic in {@code seed}; FLOAT holds the same values as DOUBLE rounded
     * to float.
     */
    public static Map<String, INDArray> random(ModelConfig c, long seed, DataType type) {
        return random(c, seed, type, name -> false, new LinkedHashMap<>());
    }

    /**
     * {@link #random(ModelConfig, long, DataType)} in FLOAT where the matrices {@code bf16} names are drawn into
     * {@code bf16Out} instead, as bf16 {@link HalfMatrix}es packed into {@link HalfMatrix#PANEL} panels (the layout
     * {@code HfCheckpoint} loads 16-bit matrices into) of the same draws rounded to nearest even (no fp32 copy of them
     * is ever made); the returned map holds the other tensors.
     */
    public static Map<String, INDArray> random(ModelConfig c, long seed, DataType type,
                                               java.util.function.Predicate<String> bf16, Map<String, HalfMatrix> bf16Out) {
        Random rng = new Random(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(c).entrySet()) {
            long[] shape = e.getValue();
            int n = 1;
            for (long dim : shape) n *= (int) dim;
            boolean norm = e.getKey().endsWith("norm.weight");
            boolean vector = isVector(shape);
            if (!vector && bf16.test(e.getKey())) {
                if (type != DataType.FLOAT) throw new IllegalArgumentException("bf16 tensors are drawn in FLOAT only");
                // drawn in row-major order straight into HalfMatrix.PANEL panels (no row-major copy to collect)
                int rows = (int) shape[0], cols = (int) shape[1], p = HalfMatrix.PANEL;
                short[] bits = new short[Math.toIntExact((long) (rows + p - 1) / p * p * cols)];
                for (int r = 0; r < rows; r++) {
                    int base = (r / p) * cols * p + r % p;
                    for (int col = 0; col < cols; col++) {
                        bits[base + col * p] = HalfFormat.floatToBf16((float) (0.02 * rng.nextGaussian()));
                    }
                }
                bf16Out.put(e.getKey(), new HalfMatrix(HalfFormat.BF16, rows, cols, p, bits));
                continue;
            }
            if (type == DataType.FLOAT) {
                // Straight into the array's memory through a small heap chunk: a double[] of Qwen2-0.5B's embedding
                // alone is 1.1 GB of a 2 GB heap, and whole float[]s would leave 2 GB of garbage in touched heap.
                INDArray a = Nd4j.create(DataType.FLOAT, shape, 'c');
                FloatBuffer out = a.data().asNioFloat();
                float[] chunk = new float[Math.min(n, 1 << 16)];
                for (int from = 0; from < n; from += chunk.length) {
                    int len = Math.min(chunk.length, n - from);
                    for (int i = 0; i < len; i++) chunk[i] = norm ? 1f : vector ? 0f : (float) (0.02 * rng.nextGaussian());
                    out.put(chunk, 0, len);
                }
                w.put(e.getKey(), a);
                continue;
            }
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = norm ? 1.0 : vector ? 0.0 : 0.02 * rng.nextGaussian();
            }
            w.put(e.getKey(), Nd4j.create(v, shape, type));
        }
        return w;
    }
}
