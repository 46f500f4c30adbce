package dev.mutual.trainer.model;

import dev.mutual.data.UserInputException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All weights of one decoder as plain fp32 arrays, row-major in HF layout (a linear weight is {@code [out, in]}).
 * The inference engine and the SameDiff training graph read this same object. For inference, the matrices (embedding,
 * projections, LM head) may instead be kept in 16 bits ({@link HalfMatrix} in {@code half}, packed into
 * {@link HalfMatrix#PANEL} panels), their float array then null; {@link #widened} gives the all-fp32 form that
 * training and merging need. Shapes use
 * d = hidden_size, f = intermediate_size, V = vocab_size, hd = head_dim, H = heads, KV = KV heads.
 *
 * @param config      the hyperparameters these shapes follow
 * @param embedTokens {@code model.embed_tokens.weight} [V, d]
 * @param layers      {@code model.layers.N.*}, one per layer
 * @param norm        {@code model.norm.weight} [d]
 * @param lmHead      {@code lm_head.weight} [V, d]; the very same array as embedTokens when embeddings are tied
 * @param half        matrices kept in 16 bits by HF name (their float array null); with tied embeddings
 *                    {@code lm_head.weight} maps to the very same matrix as {@code model.embed_tokens.weight}
 */
public record DecoderWeights(ModelConfig config, float[] embedTokens, List<Layer> layers, float[] norm, float[] lmHead,
                             Map<String, HalfMatrix> half) {

    /** All-fp32 weights. */
    public DecoderWeights(ModelConfig config, float[] embedTokens, List<Layer> layers, float[] norm, float[] lmHead) {
        this(config, embedTokens, layers, norm, lmHead, Map.of());
    }

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
        half = Map.copyOf(half);
        int d = config.hiddenSize(), q = config.numHeads() * config.headDim(), kv = config.numKvHeads() * config.headDim();
        int f = config.intermediateSize(), v = config.vocabSize();
        check(half, "model.embed_tokens.weight", embedTokens, v, d);
        check("model.norm.weight", norm, d);
        check(half, "lm_head.weight", lmHead, v, d);
        if (config.tieWordEmbeddings() && (lmHead != embedTokens || half.get("lm_head.weight") != half.get("model.embed_tokens.weight"))) {
            throw new IllegalArgumentException("tied embeddings need lmHead == embedTokens");
        }
        if (layers.size() != config.numLayers()) throw new IllegalArgumentException("expected " + config.numLayers() + " layers, got " + layers.size());
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String p = "model.layers." + i + ".";
            check(p + "input_layernorm.weight", l.inputNorm, d);
            check(half, p + "self_attn.q_proj.weight", l.qProj, q, d);
            check(half, p + "self_attn.k_proj.weight", l.kProj, kv, d);
            check(half, p + "self_attn.v_proj.weight", l.vProj, kv, d);
            check(half, p + "self_attn.o_proj.weight", l.oProj, d, q);
            check(p + "post_attention_layernorm.weight", l.postNorm, d);
            check(half, p + "mlp.gate_proj.weight", l.gateProj, f, d);
            check(half, p + "mlp.up_proj.weight", l.upProj, f, d);
            check(half, p + "mlp.down_proj.weight", l.downProj, d, f);
            if (config.attentionBias()) {
                check(p + "self_attn.q_proj.bias", l.qBias, q);
                check(p + "self_attn.k_proj.bias", l.kBias, kv);
                check(p + "self_attn.v_proj.bias", l.vBias, kv);
            } else if (l.qBias != null || l.kBias != null || l.vBias != null) {
                throw new IllegalArgumentException(p + "self_attn biases given but the config has no attention bias");
            }
        }
    }

    /** A matrix: its float array, or (when that is null) a packed 16-bit one of the same shape in {@code half}. */
    private static void check(Map<String, HalfMatrix> half, String name, float[] a, int rows, int cols) {
        HalfMatrix h = half.get(name);
        if (a != null && h != null) throw new IllegalArgumentException(name + " is given both as fp32 and in 16 bits");
        if (h == null) {
            check(name, a, (long) rows * cols);
        } else if (h.rows() != rows || h.cols() != cols || h.panel() != HalfMatrix.PANEL) {
            throw new IllegalArgumentException(name + " is " + h.rows() + " x " + h.cols() + " (panel " + h.panel() + "), expected " + rows + " x " + cols
                    + " packed into panels of " + HalfMatrix.PANEL);
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
        return fromHfTensors(c, tensors, new LinkedHashMap<>(), source);
    }

    /**
     * {@link #fromHfTensors(ModelConfig, Map, String)} where the matrices in {@code half} (row-major, as read) stay in 16
     * bits, packed into {@link HalfMatrix#PANEL} panels; each is removed from {@code half} once packed, so that the
     * row-major copy can be collected before the next one is packed (peak: the 16-bit model plus one matrix).
     */
    public static DecoderWeights fromHfTensors(ModelConfig c, Map<String, Tensor> tensors, Map<String, HalfMatrix> half, String source) {
        Lookup t = new Lookup(tensors, half, new LinkedHashMap<>(), hfShapes(c), source);
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
        if (c.tieWordEmbeddings() && t.packed().containsKey("model.embed_tokens.weight")) {
            t.packed().put("lm_head.weight", t.packed().get("model.embed_tokens.weight"));
        }
        return new DecoderWeights(c, embed, layers, norm, head, t.packed());
    }

    /** These weights with every matrix in fp32 (this object when none is kept in 16 bits): what training and merging read. */
    public DecoderWeights widened() {
        return half.isEmpty() ? this : fromHfTensors(config, toHfTensors(), "widened weights");
    }

    /** The matrix {@code name} kept in 16 bits, or null when it is fp32. */
    public HalfMatrix half(String name) {
        return half.get(name);
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

    /**
     * The HF-named tensors, in HF order; {@code lm_head.weight} is left out when tied (as save_pretrained does).
     * Matrices kept in 16 bits are widened (new arrays).
     */
    public Map<String, Tensor> toHfTensors() {
        Map<String, float[]> arrays = floatArrays();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : hfShapes(config).entrySet()) {
            float[] values = arrays.get(e.getKey());
            if (values == null && half.containsKey(e.getKey())) values = half.get(e.getKey()).widened();
            out.put(e.getKey(), new Tensor(e.getValue(), values));
        }
        return out;
    }

    /**
     * Tensor {@code name} (an {@link #hfShapes} name) in fp32: its array (not a copy), or its 16-bit matrix widened
     * (a new array), so a caller can widen one tensor at a time.
     */
    public float[] fp32(String name) {
        float[] values = floatArrays().get(name);
        if (values != null) return values;
        HalfMatrix h = half.get(name);
        if (h == null) throw new IllegalArgumentException("no tensor '" + name + "'");
        return h.widened();
    }

    /** The fp32 arrays by HF name (references; null for matrices kept in 16 bits and absent biases). */
    private Map<String, float[]> floatArrays() {
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
        return arrays;
    }

    /** Number of distinct parameters (a tied head counts once). */
    public long parameterCount() {
        long n = 0;
        for (int[] shape : hfShapes(config).values()) {
            long size = 1;
            for (int dim : shape) size *= dim;
            n += size;
        }
        return n;
    }

    private record Lookup(Map<String, Tensor> tensors, Map<String, HalfMatrix> half, Map<String, HalfMatrix> packed,
                          Map<String, int[]> shapes, String source) {
        /** The fp32 values, or null after packing a 16-bit matrix into {@code packed}. */
        float[] get(String name) {
            int[] shape = shapes.get(name);
            HalfMatrix h = half.get(name);
            if (h != null && !tensors.containsKey(name)) {
                if (h.rows() != shape[0] || h.cols() != shape[1]) {
                    throw new UserInputException(source + ": tensor '" + name + "' has shape [" + h.rows() + ", " + h.cols() + "], expected " + Arrays.toString(shape));
                }
                packed.put(name, h.packed(HalfMatrix.PANEL));
                half.remove(name);
                return null;
            }
            Tensor t = tensors.get(name);
            if (t == null) throw new UserInputException(source + ": tensor '" + name + "' is missing; expected shape " + Arrays.toString(shape));
            if (!Arrays.equals(t.shape(), shape)) {
                throw new UserInputException(source + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected " + Arrays.toString(shape));
            }
            return t.values();
        }
    }
}
