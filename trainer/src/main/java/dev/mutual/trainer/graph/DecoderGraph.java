package dev.mutual.trainer.graph;

import static dev.mutual.trainer.engine.DecoderParameters.EMBEDDING;
import static dev.mutual.trainer.engine.DecoderParameters.FINAL_NORM;
import static dev.mutual.trainer.engine.DecoderParameters.LM_HEAD;
import static dev.mutual.trainer.engine.DecoderParameters.layer;

import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.DropoutDraws;
import dev.mutual.trainer.engine.EngineChecks;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraModule;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.model.RopeFrequencies;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.ops.RotaryEmbedding;
import dev.mutual.trainer.ops.Softmax;
import dev.mutual.trainer.ops.Visibility;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterUpdate;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LLaMA / Mistral / Qwen2 decoder as a SameDiff training graph for a fixed {@code [batch, seqLen]}, the
 * same computation as HF's {@code LlamaForCausalLM} / {@code MistralForCausalLM} / {@code Qwen2ForCausalLM}
 * (eager attention), checked against them by {@code DecoderGraphParityTest}.
 *
 * <p>Shapes: B batch, T seqLen, N = B*T tokens, D hidden, H query heads, K key/value heads, R = H/K query heads
 * per KV head, hd head dim, V vocab, F intermediate. The hidden state stays flat as {@code [N, D]}.
 *
 * <p>Workarounds for ND4J 1.0.0-M2.1 autodiff bugs (see {@code shared/notes/nd4j-samediff-findings.md}):
 * <ul>
 *   <li>{@code gather} backprop assigns instead of adding for repeated ids, so the embedding lookup runs
 *       outside the graph ({@code pullRows} into the variable {@code embedded}) and its gradient is
 *       scatter-added into the embedding's with {@code Nd4j.scatterUpdate(ADD)} ({@code scatter_add} is racy).
 *   <li>{@code logSumExp}, {@code logSoftmax(dim)} and weighted {@code softmaxCrossEntropy} have broken
 *       gradients, so the cross-entropy is a hand-written stable log-sum-exp.
 *   <li>There are no RMSNorm, RoPE, SiLU, causal-mask or repeat_kv ops: each is composed from primitives.
 * </ul>
 *
 * <p>Parameters live in the graph as variables named by their HF tensor names. {@link #parameter} returns the
 * live array, which an optimizer updates in place. Not thread-safe.
 *
 * <p>With a LoRA adapter ({@link #buildWithLora}) the base weights are constants and the only variables are the
 * adapter's A and B (PEFT names): each adapted linear computes x @ W^T + (alpha / r) * (dropout(x) @ A^T) @ B^T,
 * as PEFT's {@code lora.Linear.forward}. Dropout (inverted, one mask per adapted module as PEFT's per-module
 * {@code lora_dropout}) applies only in {@link #lossAndGradients}; {@link #logits} and {@link #loss} run without.
 */
public final class DecoderGraph implements TrainableModel {

    static final String EMBEDDED = "embedded";
    static final String TARGETS = "targets";
    static final String WEIGHTS = "lossWeights";
    static final String LOGITS = "logits";
    static final String LOSS = "loss";
    /** Additive mask for disallowed scores ({@link Softmax#MASKED}): exp(-1e9 - max) is exactly 0 in fp32 and fp64. */
    private static final double MASKED = Softmax.MASKED;

    private final ModelConfig config;
    private final int batch;
    private final int seqLen;
    private final DataType type;
    private final SameDiff sd;
    private final INDArray embedding;
    /**
     * Parameters held as SameDiff variables: all but an untied embedding, which lives outside the graph; with a
     * LoRA adapter only its A and B.
     */
    private final List<String> graphVariables;
    /** The adapter whose A and B are the trainable variables, or null when every base weight trains. */
    private final LoraConfig lora;
    /** The LoRA dropout masks' seed and passes drawn so far, as {@code EagerDecoder}'s. */
    private final DropoutDraws dropout;
    private INDArray embedded;

    private DecoderGraph(ModelConfig config, int batch, int seqLen, DataType type, SameDiff sd, INDArray embedding,
                         List<String> graphVariables, LoraConfig lora, long dropoutSeed) {
        this.lora = lora;
        this.dropout = new DropoutDraws(lora, config, dropoutSeed);
        this.config = config;
        this.batch = batch;
        this.seqLen = seqLen;
        this.type = type;
        this.sd = sd;
        this.embedding = embedding;
        this.graphVariables = graphVariables;
    }

    /**
     * Builds the graph. {@code weights} maps every name of {@link DecoderParameters#shapes} to an array of that
     * shape; arrays already of {@code type} are used (and later updated) in place, others are converted.
     *
     * @param type FLOAT for training and parity, DOUBLE for the gradient check
     */
    public static DecoderGraph build(ModelConfig config, Map<String, INDArray> weights, int batch, int seqLen,
                                     DataType type) {
        return build(config, weights, null, batch, seqLen, type, 0);
    }

    /**
     * The graph of a base model with a LoRA adapter: {@code weights} (as in {@link #build}) become constants that
     * receive no gradient; the adapter's A and B (copied, as {@code type}) are the only parameters.
     *
     * @param dropoutSeed seeds the dropout masks drawn in each {@link #lossAndGradients}
     */
    public static DecoderGraph buildWithLora(ModelConfig config, Map<String, INDArray> weights, LoraWeights lora,
                                             int batch, int seqLen, DataType type, long dropoutSeed) {
        EngineChecks.checkAdapter(lora, config);
        return build(config, weights, lora, batch, seqLen, type, dropoutSeed);
    }

    /** {@link #buildWithLora} from the weights the inference engine uses. */
    public static DecoderGraph buildWithLora(DecoderWeights base, LoraWeights lora, int batch, int seqLen, DataType type,
                                             long dropoutSeed) {
        return buildWithLora(base.config(), toArrays(base, type), lora, batch, seqLen, type, dropoutSeed);
    }

    private static DecoderGraph build(ModelConfig config, Map<String, INDArray> weights, LoraWeights lora, int batch,
                                      int seqLen, DataType type, long dropoutSeed) {
        EngineChecks.checkShape(batch, seqLen);
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> p = new LinkedHashMap<>();
        Map<String, INDArray> arrays = EngineChecks.checkedWeights(config, weights, w -> w.dataType() == type ? w : w.castTo(type));
        INDArray embedding = arrays.get(EMBEDDING);
        // The embedding is a graph variable only when the head reuses it; otherwise it lives outside the graph.
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            if (e.getKey().equals(EMBEDDING) && !config.tieWordEmbeddings()) continue;
            if (lora != null) {
                p.put(e.getKey(), sd.constant(e.getKey(), e.getValue())); // frozen: no gradient, no optimizer state
                continue;
            }
            p.put(e.getKey(), sd.var(e.getKey(), e.getValue()));
            names.add(e.getKey());
        }
        if (lora != null) {
            for (Map.Entry<String, Tensor> e : lora.tensors().entrySet()) {
                long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
                p.put(e.getKey(), sd.var(e.getKey(), Nd4j.create(e.getValue().values(), shape, 'c').castTo(type)));
                names.add(e.getKey());
            }
        }

        int n = batch * seqLen;
        Linears lin = new Linears(sd, p, lora == null ? null : lora.config(), config, n, type);
        int h = config.numHeads();
        int k = config.numKvHeads();
        int r = config.groupSize();
        int hd = config.headDim();
        int d = config.hiddenSize();
        int v = config.vocabSize();

        // h0 = E[ids]: [N, D], filled before each run (see class comment).
        SDVariable x = sd.var(EMBEDDED, Nd4j.zeros(type, n, d));
        SDVariable targets = sd.placeHolder(TARGETS, DataType.INT32, n);
        SDVariable lossWeights = sd.placeHolder(WEIGHTS, type, n);

        // RoPE as x*cos + rotate_half(x)*sin on the flat [N, heads*hd] projections; rotate_half is a matmul
        // with a fixed block-diagonal +-1 matrix (avoids slice/concat).
        SDVariable cosQ = sd.constant("ropeCosQ", ropeTable(config, batch, seqLen, h, true, type));
        SDVariable sinQ = sd.constant("ropeSinQ", ropeTable(config, batch, seqLen, h, false, type));
        SDVariable rotQ = sd.constant("rotateHalfQ", rotateHalf(hd, h, type));
        SDVariable cosK = sd.constant("ropeCosK", ropeTable(config, batch, seqLen, k, true, type));
        SDVariable sinK = sd.constant("ropeSinK", ropeTable(config, batch, seqLen, k, false, type));
        SDVariable rotK = sd.constant("rotateHalfK", rotateHalf(hd, k, type));
        SDVariable mask = sd.constant("attentionMask", attentionMask(config, seqLen, type));
        double scale = 1.0 / Math.sqrt(hd);

        for (int i = 0; i < config.numLayers(); i++) {
            // Attention block: x + o_proj(attn(rope(q), rope(k), v)) on input_layernorm(x).
            SDVariable a = rmsNorm(sd, x, p.get(layer(i, "input_layernorm.weight")), config.rmsNormEps());
            SDVariable q = lin.apply(a, i, LoraModule.Q_PROJ, config.attentionBias());   // [N, H*hd]
            SDVariable kk = lin.apply(a, i, LoraModule.K_PROJ, config.attentionBias());  // [N, K*hd]
            SDVariable vv = lin.apply(a, i, LoraModule.V_PROJ, config.attentionBias());  // [N, K*hd]
            q = q.mul(cosQ).add(sd.mmul(q, rotQ).mul(sinQ));
            kk = kk.mul(cosK).add(sd.mmul(kk, rotK).mul(sinK));
            // GQA without repeat_kv: fold the R query heads of each KV head into its rows,
            // [B,T,H,hd] -> [B,H,T,hd] -> [B,K,R*T,hd] (HF order: query head = kv * R + r).
            SDVariable q4 = sd.reshape(sd.permute(sd.reshape(q, batch, seqLen, h, hd), 0, 2, 1, 3),
                    batch, k, (long) r * seqLen, hd);
            SDVariable k4 = sd.permute(sd.reshape(kk, batch, seqLen, k, hd), 0, 2, 1, 3);           // [B,K,T,hd]
            SDVariable v4 = sd.permute(sd.reshape(vv, batch, seqLen, k, hd), 0, 2, 1, 3);           // [B,K,T,hd]
            SDVariable scores = sd.mmul(q4, k4, false, true, false).mul(scale).add(mask);          // [B,K,R*T,T]
            // SameDiff's softmax (its gradient is right in M2.1); the rule and the mask constant: ops.Softmax
            SDVariable probs = sd.nn.softmax(scores, -1);
            SDVariable ctx = sd.mmul(probs, v4);                                                     // [B,K,R*T,hd]
            ctx = sd.reshape(sd.permute(sd.reshape(ctx, batch, h, seqLen, hd), 0, 2, 1, 3), n, (long) h * hd);
            x = x.add(lin.apply(ctx, i, LoraModule.O_PROJ, false));

            // MLP block: x + down(silu(gate(m)) * up(m)) on post_attention_layernorm(x).
            SDVariable m = rmsNorm(sd, x, p.get(layer(i, "post_attention_layernorm.weight")), config.rmsNormEps());
            SDVariable gate = lin.apply(m, i, LoraModule.GATE_PROJ, false);
            SDVariable up = lin.apply(m, i, LoraModule.UP_PROJ, false);
            SDVariable act = gate.mul(sd.nn.sigmoid(gate)).mul(up);
            x = x.add(lin.apply(act, i, LoraModule.DOWN_PROJ, false));
        }
        SDVariable out = rmsNorm(sd, x, p.get(FINAL_NORM), config.rmsNormEps());
        SDVariable head = config.tieWordEmbeddings() ? p.get(EMBEDDING) : p.get(LM_HEAD);
        SDVariable logits = sd.mmul(LOGITS, out, head, false, true, false);                        // [N, V]

        // Weighted cross-entropy, stable: nll = log(sum(exp(l - max))) + max - l[target] (Softmax.logSumExp's rule).
        SDVariable max = logits.max(true, 1);
        SDVariable logSumExp = sd.math.log(sd.math.exp(logits.sub(max)).sum(true, 1)).add(max);   // [N, 1]
        SDVariable targetLogit = logits.mul(sd.oneHot(targets, v, -1, 1.0, 0.0, type)).sum(true, 1);
        SDVariable nll = sd.reshape(logSumExp.sub(targetLogit), n);
        nll.mul(lossWeights).sum().div(LOSS, lossWeights.sum());
        return new DecoderGraph(config, batch, seqLen, type, sd, embedding, List.copyOf(names),
                lora == null ? null : lora.config(), dropoutSeed);
    }

    /** Builds the graph from the weights the inference engine uses (copied into ND4J arrays of {@code type}). */
    public static DecoderGraph build(DecoderWeights weights, int batch, int seqLen, DataType type) {
        return build(weights.config(), toArrays(weights, type), batch, seqLen, type);
    }

    private static Map<String, INDArray> toArrays(DecoderWeights weights, DataType type) {
        return DecoderParameters.arrays(weights, type);
    }

    /**
     * The linears of a decoder layer: y = x @ W^T (+ b), plus for a LoRA-adapted module the branch
     * (alpha / r) * (dropout(x) @ A^T) @ B^T (PEFT lora.Linear.forward). The dropout mask is a placeholder
     * {@code [N, in]} per adapted module, filled by {@link #dropoutMasks}.
     */
    private record Linears(SameDiff sd, Map<String, SDVariable> p, LoraConfig lora, ModelConfig model, int n, DataType type) {
        SDVariable apply(SDVariable x, int layer, LoraModule m, boolean bias) {
            SDVariable y = linear(sd, x, p, layer(layer, m.path), bias);
            if (lora == null || !lora.modules().contains(m)) return y;
            SDVariable in = lora.dropout() > 0 ? x.mul(sd.placeHolder(dropoutName(layer, m), type, n, m.inFeatures(model))) : x;
            SDVariable low = sd.mmul(in, p.get(LoraWeights.aName(layer, m)), false, true, false);      // [N, r]
            SDVariable delta = sd.mmul(low, p.get(LoraWeights.bName(layer, m)), false, true, false);   // [N, out]
            return y.add(delta.mul(lora.scale()));
        }
    }

    private static String dropoutName(int layer, LoraModule m) {
        return "loraDropout." + layer + "." + m.hfName;
    }

    /**
     * One inverted-dropout mask per adapted module, drawn by {@link DropoutDraws} when {@code training}; all ones
     * (no dropout) otherwise.
     */
    private Map<String, INDArray> dropoutMasks(boolean training) {
        Map<String, INDArray> masks = new HashMap<>();
        if (!dropout.active()) return masks;
        int n = batch * seqLen;
        if (training) {
            dropout.next(n, (l, m, values, size) -> masks.put(dropoutName(l, m),
                    Nd4j.create(Arrays.copyOf(values, size), new long[] {n, m.inFeatures(config)}, type)));
            return masks;
        }
        for (int l = 0; l < config.numLayers(); l++) {
            for (LoraModule m : lora.modules()) masks.put(dropoutName(l, m), Nd4j.ones(type, n, m.inFeatures(config)));
        }
        return masks;
    }

    /** {@code [dropout seed, dropout draws so far]}; empty without LoRA dropout. */
    @Override
    public long[] randomState() {
        return dropout.state();
    }

    @Override
    public void restoreRandomState(long[] state) {
        dropout.restore(state);
    }

    /** The current LoRA A and B as fp32 {@link LoraWeights} (to save as a PEFT adapter or merge). */
    public LoraWeights loraWeights() {
        if (lora == null) throw new IllegalStateException("this graph has no LoRA adapter");
        return EngineChecks.loraWeights(lora, config, sd::getArrForVarName);
    }

    /**
     * The current base weights as fp32 {@link DecoderWeights} (for inference or saving a checkpoint); with a LoRA
     * adapter these are the frozen base weights, without the adapter (see {@code LoraMerge}).
     */
    @Override
    public DecoderWeights toWeights() {
        return EngineChecks.toWeights(config, name -> name.equals(EMBEDDING) ? embeddingArray() : sd.getArrForVarName(name),
                "DecoderGraph");
    }

    /** x * rsqrt(mean(x^2) + eps) * g over the hidden dimension (HF LlamaRMSNorm). */
    private static SDVariable rmsNorm(SameDiff sd, SDVariable x, SDVariable gain, double eps) {
        return x.mul(sd.math.rsqrt(x.mul(x).mean(true, 1).add(eps))).mul(gain);
    }

    /** x @ W^T (+ b), W in HF's [out, in] layout so gradients come back in checkpoint layout too. */
    private static SDVariable linear(SameDiff sd, SDVariable x, Map<String, SDVariable> p, String prefix,
                                     boolean bias) {
        SDVariable y = sd.mmul(x, p.get(prefix + ".weight"), false, true, false);
        return bias ? y.add(p.get(prefix + ".bias")) : y;
    }

    /** cos or sin table tiled to [N, heads*hd]: row b*T + t uses position t, the same for every head. */
    private static INDArray ropeTable(ModelConfig c, int batch, int seqLen, int heads, boolean cos, DataType type) {
        double[][] t = cos ? RopeFrequencies.cos(c, seqLen) : RopeFrequencies.sin(c, seqLen);
        int hd = c.headDim();
        double[][] tiled = new double[batch * seqLen][heads * hd];
        for (int b = 0; b < batch; b++) {
            for (int pos = 0; pos < seqLen; pos++) {
                for (int head = 0; head < heads; head++) {
                    System.arraycopy(t[pos], 0, tiled[b * seqLen + pos], head * hd, hd);
                }
            }
        }
        return Nd4j.create(tiled).castTo(type);
    }

    /** M with (x @ M) = rotate_half(x) per head, from {@link RotaryEmbedding}'s rule. */
    private static INDArray rotateHalf(int hd, int heads, DataType type) {
        return Nd4j.create(RotaryEmbedding.rotateHalfMatrix(hd, heads)).castTo(type);
    }

    /** Additive [R*T, T] mask from {@link Visibility}: 0 where query t sees key j, -1e9 elsewhere. */
    private static INDArray attentionMask(ModelConfig c, int seqLen, DataType type) {
        return Nd4j.create(Visibility.additiveMask(c.groupSize(), seqLen, c.slidingWindow(), MASKED)).castTo(type);
    }

    /** SameDiff leaves each pass's intermediate arrays to the GC (DEVELOPERS.md): without this RSS climbs. */
    @Override
    public void afterStep() {
        System.gc();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    /** Names of all trainable tensors: HF names, embedding included; with LoRA only the adapter's A and B. */
    @Override
    public List<String> parameterNames() {
        if (lora != null) return graphVariables;
        return List.copyOf(DecoderParameters.shapes(config).keySet());
    }

    /** The live array of a parameter (HF name); updating it in place changes the model. */
    @Override
    public INDArray parameter(String name) {
        if (name.equals(EMBEDDING) && lora == null) return embeddingArray();
        if (!graphVariables.contains(name)) throw new IllegalArgumentException("no parameter '" + name + "'");
        return sd.getArrForVarName(name);
    }

    /** Logits {@code [batch, seqLen, vocab]} for {@code [batch][seqLen]} input ids. */
    public INDArray logits(int[][] inputIds) {
        EngineChecks.checkIds(inputIds, batch, seqLen, config.vocabSize(), "input id");
        lookUp(inputIds);
        Map<String, INDArray> masks = dropoutMasks(false);
        Map<String, INDArray> out = sd.output(masks, LOGITS);
        masks.values().forEach(INDArray::close);
        INDArray flat = out.get(LOGITS);
        INDArray logits = flat.reshape(batch, seqLen, config.vocabSize()).dup();
        flat.close();
        return logits;
    }

    /** The weighted loss only (forward pass): what {@link #lossAndGradients} differentiates. */
    @Override
    public double loss(TokenBatch batch) {
        Map<String, INDArray> ph = placeholders(batch);
        ph.putAll(dropoutMasks(false));
        lookUp(batch.inputIds());
        INDArray loss = sd.output(ph, LOSS).get(LOSS);
        double value = loss.getDouble(0);
        loss.close();
        ph.values().forEach(INDArray::close);
        return value;
    }

    /**
     * Forward and backward pass: the weighted loss and its gradient for every parameter ({@link #parameterNames});
     * with LoRA, dropout is on and only A and B get gradients.
     */
    @Override
    public LossAndGradients lossAndGradients(TokenBatch batch) {
        Map<String, INDArray> ph = placeholders(batch);
        lookUp(batch.inputIds());
        if (lora != null) {
            ph.putAll(dropoutMasks(true));
            OutAndGrad result = sd.calculateGradientsAndOutputs(ph, List.of(LOSS), graphVariables);
            INDArray lossArray = result.getOutputs().get(LOSS);
            double loss = lossArray.getDouble(0);
            lossArray.close();
            Map<String, INDArray> grads = new LinkedHashMap<>();
            for (String name : graphVariables) grads.put(name, result.getGradients().get(name));
            ph.values().forEach(INDArray::close);
            return new LossAndGradients(loss, batch.weightSum(), grads);
        }
        List<String> wrt = new ArrayList<>(graphVariables);
        wrt.add(EMBEDDED);
        OutAndGrad result = sd.calculateGradientsAndOutputs(ph, List.of(LOSS), wrt);
        INDArray lossArray = result.getOutputs().get(LOSS);
        double loss = lossArray.getDouble(0);
        lossArray.close();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (String name : graphVariables) grads.put(name, result.getGradients().get(name));
        // dLoss/dE: the head's share (tied only) plus the lookup's rows, added once per occurrence of each id.
        INDArray gradEmbedding = config.tieWordEmbeddings() ? grads.get(EMBEDDING)
                : Nd4j.zeros(type, embedding.shape());
        INDArray gradEmbedded = result.getGradients().get(EMBEDDED);
        INDArray ids = Nd4j.createFromArray(flatten(batch.inputIds()));
        Nd4j.scatterUpdate(ScatterUpdate.UpdateOp.ADD, gradEmbedding, ids, gradEmbedded, 1);
        grads.put(EMBEDDING, gradEmbedding);
        gradEmbedded.close();
        ids.close();
        ph.values().forEach(INDArray::close);
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        for (String name : parameterNames()) ordered.put(name, grads.get(name));
        return new LossAndGradients(loss, batch.weightSum(), ordered);
    }

    private Map<String, INDArray> placeholders(TokenBatch b) {
        EngineChecks.checkBatch(b, batch, seqLen, config.vocabSize(), "graph", true);
        if (!b.isUnpacked()) {
            throw new IllegalArgumentException("DecoderGraph takes unpacked batches only (one example per row, positions"
                    + " 0.." + (seqLen - 1) + "); packed rows need block-diagonal attention: use the eager engine"
                    + " (dev.mutual.trainer.eager.EagerDecoder)");
        }
        double[] w = new double[batch * seqLen];
        for (int i = 0; i < batch; i++) System.arraycopy(b.lossWeights()[i], 0, w, i * seqLen, seqLen);
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(TARGETS, Nd4j.createFromArray(flatten(b.targetIds())));
        ph.put(WEIGHTS, Nd4j.create(w, new long[] {w.length}, type));
        return ph;
    }

    /** h0 = E[ids] outside the graph; the previous step's array is freed now rather than by GC. */
    private void lookUp(int[][] inputIds) {
        INDArray rows = Nd4j.pullRows(embeddingArray(), 1, flatten(inputIds));
        sd.associateArrayWithVariable(rows, EMBEDDED);
        if (embedded != null && embedded.closeable()) embedded.close();
        embedded = rows;
    }

    /** Tied: the graph variable's array (SameDiff may hold its own copy); untied: the array kept outside. */
    private INDArray embeddingArray() {
        return config.tieWordEmbeddings() ? sd.getArrForVarName(EMBEDDING) : embedding;
    }

    private static int[] flatten(int[][] ids) {
        int t = ids[0].length;
        int[] flat = new int[ids.length * t];
        for (int b = 0; b < ids.length; b++) System.arraycopy(ids[b], 0, flat, b * t, t);
        return flat;
    }
}
