package dev.mutual.trainer.lora;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * LoRA hyperparameters (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"; names as PEFT's
 * {@code LoraConfig}). An adapted linear layer computes {@code x @ W^T + (alpha / r) * dropout(x) @ A^T @ B^T}
 * with W frozen, A [r, in] and B [out, r] trained.
 *
 * @param r             rank of the update, e.g. 8
 * @param alpha         {@code lora_alpha}; the update is scaled by alpha / r, e.g. 16
 * @param dropout       {@code lora_dropout}, probability in [0, 1) of zeroing an input of the LoRA branch in training
 * @param targetModules HF short names of the adapted linears, a subset of q_proj, k_proj, v_proj, o_proj,
 *                      gate_proj, up_proj, down_proj
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules) {
    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("LoRA rank r must be at least 1, got " + r);
        if (!(alpha > 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("lora_alpha must be a positive number, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        if (targetModules == null || targetModules.isEmpty()) {
            throw new IllegalArgumentException("target_modules must name at least one of " + LoraModule.hfNames());
        }
        Set<String> seen = new HashSet<>();
        for (String m : targetModules) {
            if (LoraModule.byHfName(m) == null) throw new IllegalArgumentException("target module '" + m + "' is not one of " + LoraModule.hfNames());
            if (!seen.add(m)) throw new IllegalArgumentException("target module '" + m + "' is listed twice");
        }
        targetModules = List.copyOf(targetModules);
    }

    /** The usual choice (r 8, alpha 16, dropout 0.05) on all seven linears of each layer. */
    public static LoraConfig allLinear(int r, double alpha, double dropout) {
        return new LoraConfig(r, alpha, dropout, LoraModule.hfNames());
    }

    /** alpha / r, the factor on B @ A (PEFT's {@code scaling} without rsLoRA). */
    public double scale() {
        return alpha / r;
    }

    /** The targeted modules in HF layer order (q, k, v, o, gate, up, down), whatever order they were listed in. */
    public List<LoraModule> modules() {
        List<LoraModule> out = new ArrayList<>();
        for (LoraModule m : LoraModule.values()) if (targetModules.contains(m.hfName)) out.add(m);
        return out;
    }
}
