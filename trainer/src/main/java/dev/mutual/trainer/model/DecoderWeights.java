package dev.mutual.trainer.model;

import dev.mutual.data.UserInputException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All weights of one decoder as plain fp32 arrays, row-major in HF layout (a linear weight is {@code [out, in]}).
 * The inference engine and the SameDiff training graph read this same object. Shapes use
 * d = hidden_size, f = intermediate_size, V = vocab_size, hd = head_dim, H = heads, KV = KV heads.
 *
 * @param config      the hyperparameters these shapes follow
 * @param embedTokens {@code model.embed_tokens.weight} [V, d]
 * @param layers      {@code model.layers.N.*}, one per layer
 * @param norm        {@code model.norm.weight} [d]
 * @param lmHead      {@code lm_head.weight} [V, d]; the very same array as embedTokens when embeddings are tied
 */
public record DecoderWeights(ModelConfig config, float[] embedTokens, List<Layer> layers, float[] norm, float[] lmHead) {

    /**
     * @param inputNorm {@code input_layernorm.weight} [d]
     * @param qProj     {@code self_attn.q_proj.weight} [H*hd, d]
     * @param qBias     {@code self_attn.q_proj.bias} [H*hd], or null without attention bias
     * @param kProj     {@code self_attn.k_proj.weight} [KV*hd, d]
     * @param kBias     {@code self_attn.k_proj.bias} [KV*hd], or null
     * @param vProj     {@code self_attn.v_proj.weight} [KV*hd, d]
     * @param vBias     {@code self_attn.v_proj.bias} [KV*hd], or null
     * @param oProj     {@code self_attn.o_proj.weight} [d, H*hd]
     * @param postNorm  {@code post_attention_layernorm.weight} [d]
     * @param gateProj  {@code mlp.gate_proj.weight} [f, d]
     * @param upProj    {@code mlp.up_proj.weight} [f, d]
     * @param downProj  {@code mlp.down_proj.weight} [d, f]
     */
    public record Layer(float[] inputNorm, float[] qProj, float[] qBias, float[] kProj, float[] kBias, float[] vProj,
                        float[] vBias, float[] oProj, float[] postNorm, float[] gateProj, float[] upProj, float[] downProj) {}

    public DecoderWeights {
        layers = List.copyOf(layers);
        int d = config.hiddenSize(), q = config.numHeads() * config.headDim(), kv = config.numKvHeads() * config.headDim();
        int f = config.intermediateSize(), v = config.vocabSize();
        check("model.embed_tokens.weight", embedTokens, (long) v * d);
        check("model.norm.weight", norm, d);
        check("lm_head.weight", lmHead, (long) v * d);
        if (config.tieWordEmbeddings() && lmHead != embedTokens) throw new IllegalArgumentException("tied embeddings need lmHead == embedTokens");
        if (layers.size() != config.numLayers()) throw new IllegalArgumentException("expected " + config.numLayers() + " layers, got " + layers.size());
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "model.layers." + i + ".";
            check(p + "input_layernorm.weight", l.inputNorm, d);
            check(p + "self_attn.q_proj.weight", l.qProj, (long) q * d);
            check(p + "self_attn.k_proj.weight", l.kProj, (long) kv * d);
            check(p + "self_attn.v_proj.weight", l.vProj, (long) kv * d);
            check(p + "self_attn.o_proj.weight", l.oProj, (long) d * q);
            check(p + "post_attention_layernorm.weight", l.postNorm, d);
            check(p + "mlp.gate_proj.weight", l.gateProj, (long) f * d);
            check(p + "mlp.up_proj.weight", l.upProj, (long) f * d);
            check(p + "mlp.down_proj.weight", l.downProj, (long) d * f);
            if (config.attentionBias()) {
                check(p + "self_attn.q_proj.bias", l.qBias, q);
                check(p + "self_attn.k_proj.bias", l.kBias, kv);
                check(p + "self_attn.v_proj.bias", l.vBias, kv);
            } else if (l.qBias != null || l.kBias != null || l.vBias != null) {
                throw new IllegalArgumentException(p + "self_attn biases given but the config has no attention bias");
            }
        }
    }

    private static void check(String name, float[] a, long expected) {
        if (a == null) throw new IllegalArgumentException(name + " is missing");
        if (a.length != expected) throw new IllegalArgumentException(name + " has " + a.length + " values, expected " + expected);
    }

    /**
     * Builds the weights from HF-named tensors (as read from safetensors). Missing tensors or wrong shapes are a
     * {@link UserInputException} naming {@code source}, the tensor and both shapes. With tied embeddings a
     * {@code lm_head.weight} in the file is ignored, as transformers does.
     */
    public static DecoderWeights fromHfTensors(ModelConfig c, Map<String, Tensor> tensors, String source) {
        Lookup t = new Lookup(tensors, hfShapes(c), source);
        float[] embed = t.get("model.embed_tokens.weight");
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new Layer(
                    t.get(p + "input_layernorm.weight"),
                    t.get(p + "self_attn.q_proj.weight"), c.attentionBias() ? t.get(p + "self_attn.q_proj.bias") : null,
                    t.get(p + "self_attn.k_proj.weight"), c.attentionBias() ? t.get(p + "self_attn.k_proj.bias") : null,
                    t.get(p + "self_attn.v_proj.weight"), c.attentionBias() ? t.get(p + "self_attn.v_proj.bias") : null,
                    t.get(p + "self_attn.o_proj.weight"),
                    t.get(p + "post_attention_layernorm.weight"),
                    t.get(p + "mlp.gate_proj.weight"), t.get(p + "mlp.up_proj.weight"),
                    t.get(p + "mlp.down_proj.weight")));
        }
        float[] norm = t.get("model.norm.weight");
        float[] head = c.tieWordEmbeddings() ? embed : t.get("lm_head.weight");
        return new DecoderWeights(c, embed, layers, norm, head);
    }

    /**
     * Every tensor's HF name and shape, in the order save_pretrained writes them; biases only with attention bias,
     * {@code lm_head.weight} only when untied. The one table of names and shapes: the training graph's parameters
     * ({@code graph.DecoderParameters}) are these tensors too.
     */
    public static Map<String, int[]> hfShapes(ModelConfig c) {
        int d = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.numKvHeads() * c.headDim(), f = c.intermediateSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("model.embed_tokens.weight", new int[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new int[] {d});
            s.put(p + "self_attn.q_proj.weight", new int[] {q, d});
            if (c.attentionBias()) s.put(p + "self_attn.q_proj.bias", new int[] {q});
            s.put(p + "self_attn.k_proj.weight", new int[] {kv, d});
            if (c.attentionBias()) s.put(p + "self_attn.k_proj.bias", new int[] {kv});
            s.put(p + "self_attn.v_proj.weight", new int[] {kv, d});
            if (c.attentionBias()) s.put(p + "self_attn.v_proj.bias", new int[] {kv});
            s.put(p + "self_attn.o_proj.weight", new int[] {d, q});
            s.put(p + "post_attention_layernorm.weight", new int[] {d});
            s.put(p + "mlp.gate_proj.weight", new int[] {f, d});
            s.put(p + "mlp.up_proj.weight", new int[] {f, d});
            s.put(p + "mlp.down_proj.weight", new int[] {d, f});
        }
        s.put("model.norm.weight", new int[] {d});
        if (!c.tieWordEmbeddings()) s.put("lm_head.weight", new int[] {c.vocabSize(), d});
        return s;
    }

    /** The HF-named tensors, in HF order; {@code lm_head.weight} is left out when tied (as save_pretrained does). */
    public Map<String, Tensor> toHfTensors() {
        Map<String, float[]> arrays = new LinkedHashMap<>();
        arrays.put("model.embed_tokens.weight", embedTokens);
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "model.layers." + i + ".";
            arrays.put(p + "input_layernorm.weight", l.inputNorm);
            arrays.put(p + "self_attn.q_proj.weight", l.qProj);
            arrays.put(p + "self_attn.q_proj.bias", l.qBias);
            arrays.put(p + "self_attn.k_proj.weight", l.kProj);
            arrays.put(p + "self_attn.k_proj.bias", l.kBias);
            arrays.put(p + "self_attn.v_proj.weight", l.vProj);
            arrays.put(p + "self_attn.v_proj.bias", l.vBias);
            arrays.put(p + "self_attn.o_proj.weight", l.oProj);
            arrays.put(p + "post_attention_layernorm.weight", l.postNorm);
            arrays.put(p + "mlp.gate_proj.weight", l.gateProj);
            arrays.put(p + "mlp.up_proj.weight", l.upProj);
            arrays.put(p + "mlp.down_proj.weight", l.downProj);
        }
        arrays.put("model.norm.weight", norm);
        arrays.put("lm_head.weight", lmHead);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : hfShapes(config).entrySet()) out.put(e.getKey(), new Tensor(e.getValue(), arrays.get(e.getKey())));
        return out;
    }

    /** Number of distinct parameters (a tied head counts once). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : toHfTensors().values()) n += t.size();
        return n;
    }

    private record Lookup(Map<String, Tensor> tensors, Map<String, int[]> shapes, String source) {
        float[] get(String name) {
            int[] shape = shapes.get(name);
            Tensor t = tensors.get(name);
            if (t == null) throw new UserInputException(source + ": tensor '" + name + "' is missing; expected shape " + Arrays.toString(shape));
            if (!Arrays.equals(t.shape(), shape)) {
                throw new UserInputException(source + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected " + Arrays.toString(shape));
            }
            return t.values();
        }
    }
}
