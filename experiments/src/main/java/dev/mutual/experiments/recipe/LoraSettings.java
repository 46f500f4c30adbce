package dev.mutual.experiments.recipe;

import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraModule;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * LoRA training in a {@code train} stage (Hu et al. 2021; PEFT's names): the base weights stay frozen and only the
 * low-rank A [rank, in] and B [out, rank] of each targeted linear train. The stage saves the adapter in PEFT's
 * layout and the merged model (W + alpha / rank * B A).
 *
 * @param rank          rank r of the update, e.g. 8
 * @param alpha         lora_alpha; the update is scaled by alpha / rank, e.g. 16
 * @param dropout       lora_dropout on the adapter's input in training, in [0, 1)
 * @param targetModules the adapted linears of every layer: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,
 *                      down_proj
 */
public record LoraSettings(
        @Default("8") int rank,
        @Default("16") double alpha,
        @Default("0.05") double dropout,
        @Default("[q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]") List<String> targetModules) {

    public LoraSettings {
        if (rank < 1) throw new IllegalArgumentException("rank: expected >= 1, found " + rank);
        if (!(alpha > 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("alpha: expected > 0, found " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout: expected 0 <= dropout < 1, found " + dropout);
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("target_modules: expected at least one of " + LoraModule.hfNames() + ", found []");
        }
        Set<String> seen = new HashSet<>();
        for (String m : targetModules) {
            if (LoraModule.byHfName(m) == null) {
                throw new IllegalArgumentException("target_modules: expected names from " + LoraModule.hfNames()
                        + ", found '" + m + "'" + DidYouMean.hint(m, LoraModule.hfNames()));
            }
            if (!seen.add(m)) throw new IllegalArgumentException("target_modules: '" + m + "' is listed twice");
        }
    }

    /** The trainer's LoRA hyperparameters. */
    public LoraConfig toLoraConfig() {
        return new LoraConfig(rank, alpha, dropout, targetModules);
    }
}
