package dev.mutual.trainer.lora;

import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.model.ModelConfig;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The LoRA matrices of one adapter: A [r, in] and B [out, r] for every targeted module of every layer, keyed by
 * the names PEFT saves them under ({@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight}),
 * in layer order, then module order (q, k, v, o, gate, up, down), A before B.
 *
 * @param config  rank, alpha, dropout and targets
 * @param model   the base model's hyperparameters the shapes follow
 * @param tensors every A and B, exactly the names and shapes of {@link #shapes}
 */
public record LoraWeights(LoraConfig config, ModelConfig model, Map<String, Tensor> tensors) {
    public LoraWeights {
        Map<String, int[]> expected = shapes(config, model);
        if (!tensors.keySet().equals(expected.keySet())) {
            throw new IllegalArgumentException("LoRA tensors " + tensors.keySet() + " differ from the expected " + expected.keySet());
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new IllegalArgumentException(e.getKey() + " has shape " + t.shapeString() + ", expected " + Arrays.toString(e.getValue()));
            }
            ordered.put(e.getKey(), t);
        }
        tensors = java.util.Collections.unmodifiableMap(ordered);
    }

    /** PEFT's saved name of layer {@code layer}'s A matrix for {@code m}. */
    public static String aName(int layer, LoraModule m) {
        return prefix(layer, m) + ".lora_A.weight";
    }

    /** PEFT's saved name of layer {@code layer}'s B matrix for {@code m}. */
    public static String bName(int layer, LoraModule m) {
        return prefix(layer, m) + ".lora_B.weight";
    }

    private static String prefix(int layer, LoraModule m) {
        // PeftModelForCausalLM.base_model (LoraModel).model (LlamaForCausalLM).model (LlamaModel).layers
        return "base_model.model.model.layers." + layer + "." + m.path;
    }

    /** Every A and B name with its shape, in saved order. */
    public static Map<String, int[]> shapes(LoraConfig config, ModelConfig model) {
        Map<String, int[]> s = new LinkedHashMap<>();
        for (int l = 0; l < model.numLayers(); l++) {
            for (LoraModule m : config.modules()) {
                s.put(aName(l, m), new int[] {config.r(), m.inFeatures(model)});
                s.put(bName(l, m), new int[] {m.outFeatures(model), config.r()});
            }
        }
        return s;
    }

    /**
     * A fresh adapter as PEFT initialises one ({@code LoraLayer.reset_lora_parameters} with init_lora_weights=True):
     * A by {@code kaiming_uniform_(a=sqrt(5))}, i.e. uniform in +-1/sqrt(in) (gain sqrt(2 / (1 + 5)) times
     * sqrt(3 / fan_in)), and B zero, so the adapted model starts equal to the base. Same seed, same values.
     */
    public static LoraWeights init(LoraConfig config, ModelConfig model, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : shapes(config, model).entrySet()) {
            int[] shape = e.getValue();
            float[] v = new float[shape[0] * shape[1]];
            if (e.getKey().endsWith(".lora_A.weight")) {
                double bound = 1.0 / Math.sqrt(shape[1]);
                for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextDouble(-bound, bound);
            }
            t.put(e.getKey(), new Tensor(shape, v));
        }
        return new LoraWeights(config, model, t);
    }

    /** A [r, in] of layer {@code layer}'s module {@code m}, row-major. */
    public float[] a(int layer, LoraModule m) {
        return tensors.get(aName(layer, m)).values();
    }

    /** B [out, r] of layer {@code layer}'s module {@code m}, row-major. */
    public float[] b(int layer, LoraModule m) {
        return tensors.get(bName(layer, m)).values();
    }

    /** Number of trainable LoRA parameters. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.size();
        return n;
    }
}
