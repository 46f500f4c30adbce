package dev.mutual.trainer.lora;

import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A linear layer of a decoder layer that LoRA can adapt, by its HF short name (PEFT's {@code target_modules}).
 * Shapes use d = hidden_size, f = intermediate_size, q = heads * head_dim, kv = KV heads * head_dim.
 */
public enum LoraModule {
    Q_PROJ("q_proj", "self_attn"),
    K_PROJ("k_proj", "self_attn"),
    V_PROJ("v_proj", "self_attn"),
    O_PROJ("o_proj", "self_attn"),
    GATE_PROJ("gate_proj", "mlp"),
    UP_PROJ("up_proj", "mlp"),
    DOWN_PROJ("down_proj", "mlp");

    /** HF short name, e.g. {@code q_proj}. */
    public final String hfName;
    /** Path inside {@code model.layers.N}, e.g. {@code self_attn.q_proj}. */
    public final String path;

    LoraModule(String hfName, String block) {
        this.hfName = hfName;
        this.path = block + "." + hfName;
    }

    /** The short names accepted in {@code target_modules}, in HF order. */
    public static List<String> hfNames() {
        return Arrays.stream(values()).map(m -> m.hfName).toList();
    }

    /** The module with this short name, or null. */
    public static LoraModule byHfName(String name) {
        for (LoraModule m : values()) if (m.hfName.equals(name)) return m;
        return null;
    }

    /** Input features: the second dimension of the HF weight [out, in]. */
    public int inFeatures(ModelConfig c) {
        return switch (this) {
            case Q_PROJ, K_PROJ, V_PROJ, GATE_PROJ, UP_PROJ -> c.hiddenSize();
            case O_PROJ -> c.numHeads() * c.headDim();
            case DOWN_PROJ -> c.intermediateSize();
        };
    }

    /** Output features: the first dimension of the HF weight [out, in]. */
    public int outFeatures(ModelConfig c) {
        return switch (this) {
            case Q_PROJ -> c.numHeads() * c.headDim();
            case K_PROJ, V_PROJ -> c.numKvHeads() * c.headDim();
            case O_PROJ, DOWN_PROJ -> c.hiddenSize();
            case GATE_PROJ, UP_PROJ -> c.intermediateSize();
        };
    }

    /** This module's base weight [out, in] in a decoder layer. */
    public float[] weightOf(DecoderWeights.Layer l) {
        return accessor().apply(l);
    }

    private Function<DecoderWeights.Layer, float[]> accessor() {
        return switch (this) {
            case Q_PROJ -> DecoderWeights.Layer::qProj;
            case K_PROJ -> DecoderWeights.Layer::kProj;
            case V_PROJ -> DecoderWeights.Layer::vProj;
            case O_PROJ -> DecoderWeights.Layer::oProj;
            case GATE_PROJ -> DecoderWeights.Layer::gateProj;
            case UP_PROJ -> DecoderWeights.Layer::upProj;
            case DOWN_PROJ -> DecoderWeights.Layer::downProj;
        };
    }
}
