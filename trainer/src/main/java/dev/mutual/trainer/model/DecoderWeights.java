package dev.mutual.trainer.model;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.Tensor;

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
        int d = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.numKvHeads() * c.headDim(), f = c.intermediateSize();
        Lookup t = new Lookup(tensors, source);
        float[] embed = t.get("model.embed_tokens.weight", c.vocabSize(), d);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new Layer(
                    t.get(p + "input_layernorm.weight", d),
                    t.get(p + "self_attn.q_proj.weight", q, d), c.attentionBias() ? t.get(p + "self_attn.q_proj.bias", q) : null,
                    t.get(p + "self_attn.k_proj.weight", kv, d), c.attentionBias() ? t.get(p + "self_attn.k_proj.bias", kv) : null,
                    t.get(p + "self_attn.v_proj.weight", kv, d), c.attentionBias() ? t.get(p + "self_attn.v_proj.bias", kv) : null,
                    t.get(p + "self_attn.o_proj.weight", d, q),
                    t.get(p + "post_attention_layernorm.weight", d),
                    t.get(p + "mlp.gate_proj.weight", f, d), t.get(p + "mlp.up_proj.weight", f, d),
                    t.get(p + "mlp.down_proj.weight", d, f)));
        }
        float[] norm = t.get("model.norm.weight", d);
        float[] head = c.tieWordEmbeddings() ? embed : t.get("lm_head.weight", c.vocabSize(), d);
        return new DecoderWeights(c, embed, layers, norm, head);
    }

    /** The HF-named tensors, in HF order; {@code lm_head.weight} is left out when tied (as save_pretrained does). */
    public Map<String, Tensor> toHfTensors() {
        int d = config.hiddenSize(), q = config.numHeads() * config.headDim(), kv = config.numKvHeads() * config.headDim();
        int f = config.intermediateSize();
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", new Tensor(new int[] {config.vocabSize(), d}, embedTokens));
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "model.layers." + i + ".";
            out.put(p + "input_layernorm.weight", new Tensor(new int[] {d}, l.inputNorm));
            out.put(p + "self_attn.q_proj.weight", new Tensor(new int[] {q, d}, l.qProj));
            if (l.qBias != null) out.put(p + "self_attn.q_proj.bias", new Tensor(new int[] {q}, l.qBias));
            out.put(p + "self_attn.k_proj.weight", new Tensor(new int[] {kv, d}, l.kProj));
            if (l.kBias != null) out.put(p + "self_attn.k_proj.bias", new Tensor(new int[] {kv}, l.kBias));
            out.put(p + "self_attn.v_proj.weight", new Tensor(new int[] {kv, d}, l.vProj));
            if (l.vBias != null) out.put(p + "self_attn.v_proj.bias", new Tensor(new int[] {kv}, l.vBias));
            out.put(p + "self_attn.o_proj.weight", new Tensor(new int[] {d, q}, l.oProj));
            out.put(p + "post_attention_layernorm.weight", new Tensor(new int[] {d}, l.postNorm));
            out.put(p + "mlp.gate_proj.weight", new Tensor(new int[] {f, d}, l.gateProj));
            out.put(p + "mlp.up_proj.weight", new Tensor(new int[] {f, d}, l.upProj));
            out.put(p + "mlp.down_proj.weight", new Tensor(new int[] {d, f}, l.downProj));
        }
        out.put("model.norm.weight", new Tensor(new int[] {d}, norm));
        if (!config.tieWordEmbeddings()) out.put("lm_head.weight", new Tensor(new int[] {config.vocabSize(), d}, lmHead));
        return out;
    }

    /** Number of distinct parameters (a tied head counts once). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : toHfTensors().values()) n += t.size();
        return n;
    }

    private record Lookup(Map<String, Tensor> tensors, String source) {
        float[] get(String name, int... shape) {
            Tensor t = tensors.get(name);
            if (t == null) throw new UserInputException(source + ": tensor '" + name + "' is missing; expected shape " + Arrays.toString(shape));
            if (!Arrays.equals(t.shape(), shape)) {
                throw new UserInputException(source + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected " + Arrays.toString(shape));
            }
            return t.values();
        }
    }
}
