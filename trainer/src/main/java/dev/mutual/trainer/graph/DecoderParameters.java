package dev.mutual.trainer.graph;

import dev.mutual.trainer.model.ModelConfig;
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

    /** Every trainable tensor in checkpoint order; {@code lm_head.weight} only when the head is untied. */
    public static Map<String, long[]> shapes(ModelConfig c) {
        long d = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long f = c.intermediateSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(EMBEDDING, new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            s.put(layer(i, "input_layernorm.weight"), new long[] {d});
            s.put(layer(i, "self_attn.q_proj.weight"), new long[] {q, d});
            s.put(layer(i, "self_attn.k_proj.weight"), new long[] {kv, d});
            s.put(layer(i, "self_attn.v_proj.weight"), new long[] {kv, d});
            if (c.attentionBias()) {
                s.put(layer(i, "self_attn.q_proj.bias"), new long[] {q});
                s.put(layer(i, "self_attn.k_proj.bias"), new long[] {kv});
                s.put(layer(i, "self_attn.v_proj.bias"), new long[] {kv});
            }
            s.put(layer(i, "self_attn.o_proj.weight"), new long[] {d, q});
            s.put(layer(i, "post_attention_layernorm.weight"), new long[] {d});
            s.put(layer(i, "mlp.gate_proj.weight"), new long[] {f, d});
            s.put(layer(i, "mlp.up_proj.weight"), new long[] {f, d});
            s.put(layer(i, "mlp.down_proj.weight"), new long[] {d, f});
        }
        s.put(FINAL_NORM, new long[] {d});
        if (!c.tieWordEmbeddings()) s.put(LM_HEAD, new long[] {c.vocabSize(), d});
        return s;
    }

    /** True for 1-D tensors (norm gains, biases): AdamW leaves these and the embedding undecayed. */
    public static boolean isVector(long[] shape) {
        return shape.length == 1;
    }

    /**
     * Fresh weights for training from scratch: matrices N(0, 0.02) as HF's {@code initializer_range}
     * default, norm gains 1, biases 0. Deterministic in {@code seed}.
     */
    public static Map<String, INDArray> random(ModelConfig c, long seed, DataType type) {
        Random rng = new Random(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes(c).entrySet()) {
            long[] shape = e.getValue();
            int n = 1;
            for (long dim : shape) n *= (int) dim;
            double[] v = new double[n];
            boolean norm = e.getKey().endsWith("norm.weight");
            for (int i = 0; i < n; i++) {
                v[i] = norm ? 1.0 : isVector(shape) ? 0.0 : 0.02 * rng.nextGaussian();
            }
            w.put(e.getKey(), Nd4j.create(v, shape, type));
        }
        return w;
    }
}
