package dev.mutual.trainer.lora;

import dev.mutual.trainer.model.DecoderWeights;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Folds an adapter into its base model: W' = W + (alpha / r) * B @ A for every targeted linear (PEFT's
 * {@code merge_and_unload}). The result is a plain decoder that any HF loader reads; the base is not modified.
 */
public final class LoraMerge {
    private LoraMerge() {}

    /**
     * A copy of {@code base} with {@code lora} merged in, all fp32 (matrices {@code given} keeps in 16 bits are widened
     * first); untargeted fp32 tensors are shared with {@code given}.
     */
    public static DecoderWeights merge(DecoderWeights given, LoraWeights lora) {
        if (!given.config().equals(lora.model())) throw new IllegalArgumentException("the adapter was loaded for another model config");
        DecoderWeights base = given.widened();
        double scale = lora.config().scale();
        int r = lora.config().r();
        List<DecoderWeights.Layer> layers = new ArrayList<>();
        for (int l = 0; l < base.layers().size(); l++) {
            DecoderWeights.Layer old = base.layers().get(l);
            Map<LoraModule, float[]> merged = new EnumMap<>(LoraModule.class);
            for (LoraModule m : LoraModule.values()) merged.put(m, m.weightOf(old));
            for (LoraModule m : lora.config().modules()) {
                int out = m.outFeatures(base.config()), in = m.inFeatures(base.config());
                float[] w = m.weightOf(old).clone();
                float[] a = lora.a(l, m), b = lora.b(l, m);
                // w[o, i] += scale * sum_k b[o, k] * a[k, i], summed in double then rounded once
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double s = 0;
                        for (int k = 0; k < r; k++) s += (double) b[o * r + k] * a[k * in + i];
                        w[o * in + i] = (float) (w[o * in + i] + scale * s);
                    }
                }
                merged.put(m, w);
            }
            layers.add(new DecoderWeights.Layer(old.inputNorm(),
                    merged.get(LoraModule.Q_PROJ), old.qBias(), merged.get(LoraModule.K_PROJ), old.kBias(),
                    merged.get(LoraModule.V_PROJ), old.vBias(), merged.get(LoraModule.O_PROJ), old.postNorm(),
                    merged.get(LoraModule.GATE_PROJ), merged.get(LoraModule.UP_PROJ), merged.get(LoraModule.DOWN_PROJ)));
        }
        return new DecoderWeights(base.config(), base.embedTokens(), layers, base.norm(), base.lmHead());
    }
}
