package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.engine.DecoderParameters;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which parameters get AdamW's weight decay, by group: {@code norm} (RMSNorm gains), {@code bias} (Qwen2's q/k/v
 * biases), {@code embedding} (the token embedding, and a head tied to it), {@code lm_head} (an untied head).
 * Everything else (the attention and MLP matrices, LoRA's A and B) is a weight matrix and is decayed unless listed.
 * The default {@code [norm, bias, embedding]} is {@link AdamW#forDecoder}'s choice (HF Trainer and nanoGPT leave
 * 1-D tensors undecayed; decaying embeddings pulls rare tokens' rows to zero).
 */
public final class WeightDecayGroups {

    public static final List<String> GROUPS = List.of("norm", "bias", "embedding", "lm_head");
    public static final List<String> DEFAULT_NO_DECAY = List.of("norm", "bias", "embedding");

    private WeightDecayGroups() {}

    /** The group of a parameter (HF or PEFT name), or null for a weight matrix that belongs to none. */
    public static String groupOf(String name) {
        if (name.equals(DecoderParameters.EMBEDDING)) return "embedding";
        if (name.equals(DecoderParameters.LM_HEAD)) return "lm_head";
        if (name.endsWith(".bias")) return "bias";
        if (name.endsWith("norm.weight")) return "norm";
        return null;
    }

    /** The names among {@code parameters} that are decayed: those outside every group of {@code noDecay}. */
    public static Set<String> decayed(Collection<String> parameters, Collection<String> noDecay) {
        for (String g : noDecay) {
            if (!GROUPS.contains(g)) throw new IllegalArgumentException("no_decay group '" + g + "' is not one of " + GROUPS);
        }
        Set<String> decayed = new TreeSet<>();
        for (String name : parameters) {
            String group = groupOf(name);
            if (group == null || !noDecay.contains(group)) decayed.add(name);
        }
        return decayed;
    }

    /** AdamW over every trainable parameter of {@code model} (with LoRA: A and B only), decay by group. */
    public static AdamW adamw(AdamWConfig config, TrainableModel model, Collection<String> noDecay) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String name : model.parameterNames()) params.put(name, model.parameter(name));
        return new AdamW(config, params, decayed(new ArrayList<>(params.keySet()), noDecay));
    }
}
