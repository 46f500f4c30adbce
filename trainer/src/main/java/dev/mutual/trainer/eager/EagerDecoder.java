package dev.mutual.trainer.eager;

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
import dev.mutual.trainer.model.HalfMatrix;
import dev.mutual.trainer.model.Tensor;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.model.RopeFrequencies;
import dev.mutual.trainer.ops.Exp;
import dev.mutual.trainer.ops.RmsNorm;
import dev.mutual.trainer.ops.RotaryEmbedding;
import dev.mutual.trainer.ops.Softmax;
import dev.mutual.trainer.ops.Visibility;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The LLaMA / Mistral / Qwen2 decoder with a hand-written backward pass (in the manner of llm.c's
 * {@code train_gpt2.c}) for a fixed {@code [batch, seqLen]}: the same model as {@code graph.DecoderGraph} and HF's
 * eager attention, without SameDiff's per-op bookkeeping. Every parameter, activation and gradient is an ND4J array
 * allocated once in the constructor; matmuls run through OpenBLAS ({@link Blas}) into those arrays (or blocks of them),
 * the elementwise steps (RMSNorm, RoPE, masked softmax, SwiGLU, scatter-add) are plain Java loops over their memory
 * ({@link Dense}), and the big [N, V] cross-entropy is one fused pass per row ({@link CrossEntropy}). A step therefore
 * allocates no off-heap memory and RSS stays flat without {@code System.gc()}.
 *
 * <p>Shapes: B batch, T seqLen, N = B*T tokens, D hidden, H query heads, K key/value heads, R = H/K, hd head dim,
 * Q = H*hd, KV = K*hd, F intermediate, V vocab. Token-major activations are {@code [N, width]}; attention runs on
 * head-major copies, one contiguous gemm block per (batch row, KV head): keys and values {@code [B*K, T, hd]}, queries
 * {@code [B*K, T*R, hd]} with the R query heads of a KV head (HF's {@code repeat_kv} order: query head = kv * R + g)
 * side by side per position (row t * R + g), so the queries of positions [t0, t1) are the rows [t0 * R, t1 * R).
 * That makes causal skipping cheap ({@link #scores}): queries before position t1 never see keys from t1 on, so the
 * attention gemms run per chunk of positions and leave out the blocks above the diagonal.
 *
 * <p>Batches may be packed ({@link TokenBatch#positions}, {@link TokenBatch#segments}): a query attends to key j
 * when j <= t, both lie in the same segment and (Mistral) t - j < sliding_window.
 *
 * <p>With a LoRA adapter ({@link #buildWithLora}) the base weights are frozen (no gradient is computed for them) and
 * each adapted linear adds (alpha / r) * (dropout(x) A^T) B^T, as PEFT's {@code lora.Linear.forward}; dropout only in
 * {@link #lossAndGradients}, with masks drawn in {@code DecoderGraph}'s order so the two engines agree exactly.
 *
 * <p>Gradients come back borrowed ({@link LossAndGradients#ownsArrays} false): valid until the next pass.
 * Not thread-safe.
 */
public final class EagerDecoder implements TrainableModel {

    private final ModelConfig c;
    private final DataType type;
    private final int batch, seqLen, n, d, heads, kvHeads, group, hd, qDim, kvDim, ffn, vocab, layers;
    private final double scale;

    /** Every base tensor by HF name (but those in {@link #halfBase}); trained in place unless a LoRA adapter is attached. */
    private final Map<String, INDArray> weights = new LinkedHashMap<>();
    /** Frozen base matrices kept in 16 bits and widened into one scratch right before each gemm; null when none. */
    private final HalfBase halfBase;
    /** The trainable tensors: {@link #weights}, or with LoRA only the adapter's A and B (PEFT names). */
    private final Map<String, INDArray> params = new LinkedHashMap<>();
    private final Map<String, INDArray> grads = new LinkedHashMap<>();
    /** The adapter, or null when every base weight trains. */
    private final LoraConfig lora;
    /** The LoRA dropout masks' seed and passes drawn so far, as {@code DecoderGraph}'s. */
    private final DropoutDraws dropout;
    /** Per layer and adapted module (by ordinal): the LoRA branch's saved activations; null where not adapted. */
    private final LoraBranch[][] branches;
    /** True inside {@link #lossAndGradients}: LoRA dropout applies only there, as PEFT's in training mode. */
    private boolean training;

    /** Per-layer activations kept for the backward pass. */
    private final Layer[] act;
    /** Residual stream: resid[l] is layer l's input [N, D]; resid[layers] feeds the final norm. */
    private final INDArray[] resid;
    private final INDArray normF;        // [N, D]
    private final double[] rstdF;        // [N]
    private final INDArray logits;       // [N, V], overwritten by d loss / d logits in the backward pass
    private final CrossEntropy ce;
    /** SwiGLU's heap chunks, one set per thread. */
    private static final ThreadLocal<Swiglu> SWIGLU = ThreadLocal.withInitial(Swiglu::new);
    private final float[] normGain;            // [D] heap copy of the gain in rmsNormF32

    // Scratch shared by all layers.
    private final INDArray qTok, kTok, vTok;   // [N, Q], [N, KV], [N, KV]: projections before RoPE
    private final INDArray ctxHead;            // [B*K, T*R, hd]
    private final Blas.Mat[] ctxHeadBlocks;
    private final INDArray dResid, dNorm;      // [N, D]
    private final INDArray dAct, dGate, dUp;   // [N, F]
    private final INDArray dCtx, dQTok;        // [N, Q]
    private final INDArray dKTok, dVTok;       // [N, KV]
    private final INDArray dCtxHead, dQHead, dKHead, dVHead, dProbs;
    private final Blas.Mat[] dCtxBlocks, dQBlocks, dKBlocks, dVBlocks, dProbBlocks;

    // This pass's tokens, flat over N.
    private final int[] ids, targets, positions, segments;
    /**
     * Per token: the first key it sees; its keys are exactly [visibleFrom, t] ({@link Visibility} on packed rows:
     * causal, one segment, sliding window), or -1 when the visible keys of some query are not one run, which sends
     * the fp32 attention softmax to the general path.
     */
    private final int[] visibleFrom;
    private final double[] lossWeights;
    private double[] ropeCos = new double[0];   // [positions][hd/2]
    private double[] ropeSin = new double[0];
    private float[] ropeCosF = new float[0], ropeSinF = new float[0];   // the same tables in fp32
    private int ropePositions;

    /**
     * One adapted linear's LoRA branch: y += scale * (dropout(x) A^T) B^T (PEFT lora.Linear.forward).
     *
     * @param mask  inverted-dropout mask [N, in] (null without dropout); xd = x * mask [N, in]
     * @param low   dropout(x) A^T [N, r]; dLow its gradient
     * @param dXd   scratch [N, in] for the gradient through the mask
     */
    private record LoraBranch(INDArray a, INDArray b, INDArray gradA, INDArray gradB, INDArray mask, INDArray xd,
                              INDArray low, INDArray dLow, INDArray dXd) {}

    /** One layer's saved activations. */
    private record Layer(INDArray norm1, double[] rstd1, INDArray qHead, INDArray kHead, INDArray vHead,
                         INDArray probs, INDArray ctx, INDArray mid, INDArray norm2, double[] rstd2,
                         INDArray gate, INDArray up, INDArray act,
                         Blas.Mat[] qBlocks, Blas.Mat[] kBlocks, Blas.Mat[] vBlocks, Blas.Mat[] probBlocks) {}

    private EagerDecoder(ModelConfig config, Map<String, INDArray> given, LoraWeights adapter, int batch, int seqLen,
                         DataType type, long dropoutSeed) {
        this(config, given, Map.of(), adapter, batch, seqLen, type, dropoutSeed, null);
    }

    private EagerDecoder(ModelConfig config, Map<String, INDArray> given, Map<String, HalfMatrix> halfGiven,
                         LoraWeights adapter, int batch, int seqLen, DataType type, long dropoutSeed,
                         Map<String, INDArray> sharedGrads) {
        EngineChecks.checkShape(batch, seqLen);
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("the eager engine runs in FLOAT or DOUBLE, not " + type);
        }
        this.c = config;
        this.type = type;
        this.lora = adapter == null ? null : adapter.config();
        this.dropout = new DropoutDraws(lora, config, dropoutSeed);
        this.batch = batch;
        this.seqLen = seqLen;
        this.n = batch * seqLen;
        this.d = config.hiddenSize();
        this.heads = config.numHeads();
        this.kvHeads = config.numKvHeads();
        this.group = config.groupSize();
        this.hd = config.headDim();
        this.qDim = heads * hd;
        this.kvDim = kvHeads * hd;
        this.ffn = config.intermediateSize();
        this.vocab = config.vocabSize();
        this.layers = config.numLayers();
        this.scale = 1.0 / Math.sqrt(hd);
        checkHalf(config, halfGiven, adapter != null);
        this.halfBase = halfGiven.isEmpty() ? null : new HalfBase(halfGiven, type);
        // Used in place when already a whole c-order array of the type (the caller's array then trains).
        weights.putAll(EngineChecks.checkedWeights(config, given, halfGiven.keySet(), w ->
                w.dataType() == type && !w.isView() && w.ordering() == 'c' && w.offset() == 0 ? w : w.castTo(type).dup('c')));
        branches = new LoraBranch[layers][LoraModule.values().length];
        if (adapter == null) {
            params.putAll(weights);
            for (Map.Entry<String, INDArray> e : weights.entrySet()) {
                INDArray shared = sharedGrads == null ? null : sharedGrads.get(e.getKey());
                grads.put(e.getKey(), shared != null ? shared : Nd4j.create(type, e.getValue().shape()));
            }
        } else {
            EngineChecks.checkAdapter(adapter, config);
            for (int l = 0; l < layers; l++) {
                for (LoraModule m : lora.modules()) {
                    INDArray a = Nd4j.create(adapter.a(l, m), new long[] {lora.r(), m.inFeatures(c)}, 'c').castTo(type).dup('c');
                    INDArray b = Nd4j.create(adapter.b(l, m), new long[] {m.outFeatures(c), lora.r()}, 'c').castTo(type).dup('c');
                    INDArray gradA = Nd4j.create(type, a.shape()), gradB = Nd4j.create(type, b.shape());
                    params.put(LoraWeights.aName(l, m), a);
                    params.put(LoraWeights.bName(l, m), b);
                    grads.put(LoraWeights.aName(l, m), gradA);
                    grads.put(LoraWeights.bName(l, m), gradB);
                    int in = m.inFeatures(c);
                    boolean dropout = lora.dropout() > 0;
                    branches[l][m.ordinal()] = new LoraBranch(a, b, gradA, gradB, dropout ? zeros(n, in) : null,
                            dropout ? zeros(n, in) : null, zeros(n, lora.r()), zeros(n, lora.r()),
                            dropout ? zeros(n, in) : null);
                }
            }
        }
        resid = new INDArray[layers + 1];
        for (int l = 0; l <= layers; l++) resid[l] = zeros(n, d);
        act = new Layer[layers];
        int blocks = batch * kvHeads;
        for (int l = 0; l < layers; l++) {
            INDArray qHead = zeros(blocks, group * seqLen, hd);
            INDArray kHead = zeros(blocks, seqLen, hd);
            INDArray vHead = zeros(blocks, seqLen, hd);
            INDArray probs = zeros(blocks, group * seqLen, seqLen);
            act[l] = new Layer(zeros(n, d), new double[n], qHead, kHead, vHead, probs, zeros(n, qDim), zeros(n, d),
                    zeros(n, d), new double[n], zeros(n, ffn), zeros(n, ffn), zeros(n, ffn),
                    slices(qHead), slices(kHead), slices(vHead), slices(probs));
        }
        normF = zeros(n, d);
        rstdF = new double[n];
        logits = zeros(n, vocab);
        ce = new CrossEntropy(n, vocab);
        normGain = new float[d];
        qTok = zeros(n, qDim);
        kTok = zeros(n, kvDim);
        vTok = zeros(n, kvDim);
        ctxHead = zeros(blocks, group * seqLen, hd);
        ctxHeadBlocks = slices(ctxHead);
        dResid = zeros(n, d);
        dNorm = zeros(n, d);
        dAct = zeros(n, ffn);
        dGate = zeros(n, ffn);
        dUp = zeros(n, ffn);
        dCtx = zeros(n, qDim);
        dQTok = zeros(n, qDim);
        dKTok = zeros(n, kvDim);
        dVTok = zeros(n, kvDim);
        dCtxHead = zeros(blocks, group * seqLen, hd);
        dQHead = zeros(blocks, group * seqLen, hd);
        dKHead = zeros(blocks, seqLen, hd);
        dVHead = zeros(blocks, seqLen, hd);
        dProbs = zeros(blocks, group * seqLen, seqLen);
        dCtxBlocks = slices(dCtxHead);
        dQBlocks = slices(dQHead);
        dKBlocks = slices(dKHead);
        dVBlocks = slices(dVHead);
        dProbBlocks = slices(dProbs);
        ids = new int[n];
        targets = new int[n];
        positions = new int[n];
        segments = new int[n];
        visibleFrom = new int[n];
        lossWeights = new double[n];
        ensureRope(seqLen);
    }

    /**
     * The engine for fresh or loaded weights. {@code weights} maps every name of {@link DecoderParameters#shapes}
     * to an array of that shape; whole c-order arrays already of {@code type} are used (and trained) in place,
     * others are copied.
     *
     * @param type FLOAT for training, DOUBLE for gradient checks
     */
    public static EagerDecoder build(ModelConfig config, Map<String, INDArray> weights, int batch, int seqLen,
                                     DataType type) {
        return new EagerDecoder(config, weights, null, batch, seqLen, type, 0);
    }

    /**
     * The engine with a LoRA adapter: {@code weights} (as in {@link #build}) are frozen (no gradient); the adapter's
     * A and B (copied, as {@code type}) are the only parameters. Matches {@code DecoderGraph.buildWithLora}, dropout
     * masks included: the same seed draws the same masks in the same order.
     *
     * @param dropoutSeed seeds the dropout masks drawn in each {@link #lossAndGradients}
     */
    public static EagerDecoder buildWithLora(ModelConfig config, Map<String, INDArray> weights, LoraWeights lora,
                                             int batch, int seqLen, DataType type, long dropoutSeed) {
        return new EagerDecoder(config, weights, lora, batch, seqLen, type, dropoutSeed);
    }

    /**
     * An engine of another batch shape over the same parameters (used in place: whole c-order arrays of
     * {@code type}) and the same gradient arrays (every pass overwrites all of them, so engines that never run at the
     * same time can share them): {@link BucketedDecoder}'s engine per bucket length. Full fine-tuning only.
     */
    static EagerDecoder buildSharing(ModelConfig config, Map<String, INDArray> weights, Map<String, INDArray> grads,
                                     int batch, int seqLen, DataType type) {
        return new EagerDecoder(config, weights, Map.of(), null, batch, seqLen, type, 0, grads);
    }

    /**
     * {@link #buildWithLora(ModelConfig, Map, LoraWeights, int, int, DataType, long)} with the frozen base's
     * projection matrices (q/k/v/o/gate/up/down {@code .weight}) in {@code half} kept in 16 bits: each is widened
     * exactly into one reused scratch array right before its gemm, so loss and gradients are bit-identical to passing
     * the same values widened to {@code type} up front; {@code weights} holds every other tensor.
     */
    public static EagerDecoder buildWithLora(ModelConfig config, Map<String, INDArray> weights,
                                             Map<String, HalfMatrix> half, LoraWeights lora, int batch, int seqLen,
                                             DataType type, long dropoutSeed) {
        if (lora == null) throw new IllegalArgumentException("a LoRA adapter is required");
        return new EagerDecoder(config, weights, half, lora, batch, seqLen, type, dropoutSeed, null);
    }

    /** Only frozen projection matrices of the right shape may be held in 16 bits. */
    private static void checkHalf(ModelConfig config, Map<String, HalfMatrix> half, boolean frozen) {
        if (half.isEmpty()) return;
        if (!frozen) throw new IllegalArgumentException("16-bit base matrices need a LoRA adapter (a frozen base)");
        Map<String, long[]> shapes = DecoderParameters.shapes(config);
        for (Map.Entry<String, HalfMatrix> e : half.entrySet()) {
            long[] s = shapes.get(e.getKey());
            HalfMatrix h = e.getValue();
            if (s == null || !e.getKey().endsWith("_proj.weight")) {
                throw new IllegalArgumentException("'" + e.getKey() + "' is not a projection matrix; only those may be kept in 16 bits");
            }
            if (h.rows() != s[0] || h.cols() != s[1]) {
                throw new IllegalArgumentException("weight '" + e.getKey() + "' is " + h.rows() + " x " + h.cols()
                        + ", expected " + java.util.Arrays.toString(s));
            }
        }
    }

    /**
     * {@link #buildWithLora} on a copy of the weights the inference engine uses. The projection matrices {@code base}
     * keeps in 16 bits ({@link DecoderWeights#half}, e.g. from {@code HfCheckpoint.load(dir, Precision.AUTO)} of a
     * bf16 checkpoint) stay in 16 bits, shared with {@code base} (see the overload with {@code half}); the
     * embedding and LM head are widened to fp32 whatever {@code base} holds.
     */
    public static EagerDecoder buildWithLora(DecoderWeights base, LoraWeights lora, int batch, int seqLen, DataType type,
                                             long dropoutSeed) {
        Map<String, HalfMatrix> half = new LinkedHashMap<>();
        base.half().forEach((name, m) -> { if (name.endsWith("_proj.weight")) half.put(name, m); });
        return new EagerDecoder(base.config(), DecoderParameters.arrays(base, type, half.keySet()), half, lora, batch,
                seqLen, type, dropoutSeed, null);
    }

    /** The engine on a copy of the weights the inference engine uses. */
    public static EagerDecoder build(DecoderWeights weights, int batch, int seqLen, DataType type) {
        return new EagerDecoder(weights.config(), DecoderParameters.arrays(weights, type), null, batch, seqLen, type, 0);
    }

    private INDArray zeros(long... shape) {
        return Nd4j.create(type, shape);
    }

    /** The [rows, cols] blocks of a [blocks, rows, cols] array as gemm operands, made once. */
    private static Blas.Mat[] slices(INDArray a) {
        Blas.Mat[] s = new Blas.Mat[(int) a.size(0)];
        for (int i = 0; i < s.length; i++) s[i] = Blas.block(a, i);
        return s;
    }

    private Dense p(String name) {
        return Dense.of(weights.get(name));
    }

    /** Base matrix {@code name} as a gemm operand: its array, or its 16-bit matrix widened into the scratch. */
    private Blas.Mat baseMatrix(String name) {
        return halfBase != null && halfBase.has(name) ? halfBase.widen(name) : Blas.of(weights.get(name));
    }

    /** The gradient array of a base tensor, or null when the base is frozen (LoRA). */
    private Dense gradOf(String name) {
        INDArray g = grads.get(name);
        return g == null ? null : Dense.of(g);
    }

    private INDArray g(int l, String suffix) {
        return grads.get(layer(l, suffix));
    }

    // ---------------------------------------------------------------------------------------------------------
    // TrainableModel

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public List<String> parameterNames() {
        return List.copyOf(params.keySet());
    }

    @Override
    public INDArray parameter(String name) {
        INDArray a = params.get(name);
        if (a == null) throw new IllegalArgumentException("no parameter '" + name + "'");
        return a;
    }

    @Override
    public double loss(TokenBatch b) {
        load(b, true);
        try (var blas = ComputeThreads.singleThreadedBlas()) {
            forward();
            return crossEntropy(false);
        }
    }

    @Override
    public LossAndGradients lossAndGradients(TokenBatch b) {
        load(b, true);
        training = true;
        try (var blas = ComputeThreads.singleThreadedBlas()) {
            drawDropoutMasks();
            forward();
            double loss = crossEntropy(true);
            backward();
            return new LossAndGradients(loss, b.weightSum(), grads, false);
        } finally {
            training = false;
        }
    }

    /** The current LoRA A and B as fp32 {@link LoraWeights} (to save as a PEFT adapter or merge). */
    public LoraWeights loraWeights() {
        if (lora == null) throw new IllegalStateException("this engine has no LoRA adapter");
        return EngineChecks.loraWeights(lora, c, params::get);
    }

    /** This pass's inverted-dropout masks, drawn by {@link DropoutDraws} (as {@code DecoderGraph} draws them). */
    private void drawDropoutMasks() {
        dropout.next(n, (l, m, values, size) -> {
            Dense mask = Dense.of(branches[l][m.ordinal()].mask());
            for (int i = 0; i < size; i++) mask.set(i, values[i]);
        });
    }

    /** {@code [dropout seed, dropout passes so far]}; empty without LoRA dropout (as {@code DecoderGraph}). */
    @Override
    public long[] randomState() {
        return dropout.state();
    }

    @Override
    public void restoreRandomState(long[] state) {
        dropout.restore(state);
    }

    /** y = x W^T (beta = 0) or y += x W^T (beta = 1), plus the LoRA branch when {@code m} is adapted. */
    private void linear(int l, LoraModule m, INDArray x, INDArray y, double beta) {
        Blas.gemm(Blas.of(x), false, baseMatrix(layer(l, m.path + ".weight")), true, Blas.of(y), 1, beta);
        LoraBranch br = branches[l][m.ordinal()];
        if (br == null) return;
        INDArray in = x;
        if (training && br.mask() != null) {
            Dense xs = Dense.of(x), mask = Dense.of(br.mask()), xd = Dense.of(br.xd());
            for (int i = 0; i < xd.length; i++) xd.set(i, xs.get(i) * mask.get(i));
            in = br.xd();
        }
        Blas.gemm(in, false, br.a(), true, br.low(), 1, 0);               // [N, r]
        Blas.gemm(br.low(), false, br.b(), true, y, lora.scale(), 1);      // y += scale * low B^T
    }

    /**
     * Backward of {@link #linear}: dx = dy W (beta = 0) or dx += dy W (beta = 1), dW = dy^T x when the base trains,
     * and for the LoRA branch dB = scale dy^T low, dA = dLow^T dropout(x), dx += (dLow A) * mask.
     */
    private void linearBackward(int l, LoraModule m, INDArray x, INDArray dy, INDArray dx, double beta) {
        String weight = layer(l, m.path + ".weight");
        if (lora == null) Blas.gemm(dy, true, x, false, grads.get(weight), 1, 0);
        Blas.gemm(Blas.of(dy), false, baseMatrix(weight), false, Blas.of(dx), 1, beta);
        LoraBranch br = branches[l][m.ordinal()];
        if (br == null) return;
        boolean dropout = br.mask() != null;
        Blas.gemm(dy, true, br.low(), false, br.gradB(), lora.scale(), 0);     // [out, r]
        Blas.gemm(dy, false, br.b(), false, br.dLow(), lora.scale(), 0);       // [N, r]
        Blas.gemm(br.dLow(), true, dropout ? br.xd() : x, false, br.gradA(), 1, 0);   // [r, in]
        if (!dropout) {
            Blas.gemm(br.dLow(), false, br.a(), false, dx, 1, 1);
            return;
        }
        Blas.gemm(br.dLow(), false, br.a(), false, br.dXd(), 1, 0);
        Dense dxd = Dense.of(br.dXd()), mask = Dense.of(br.mask()), out = Dense.of(dx);
        for (int i = 0; i < dxd.length; i++) out.add(i, dxd.get(i) * mask.get(i));
    }

    /** Logits {@code [batch, seqLen, vocab]} (a copy) for unpacked {@code [batch][seqLen]} input ids. */
    public INDArray logits(int[][] inputIds) {
        double[][] w = new double[inputIds.length][];
        for (int i = 0; i < w.length; i++) w[i] = new double[inputIds[i].length];
        load(new TokenBatch(inputIds, new int[inputIds.length][inputIds[0].length], w), false);
        try (var blas = ComputeThreads.singleThreadedBlas()) {
            forward();
        }
        return logits.reshape(batch, seqLen, vocab).dup();
    }

    @Override
    public DecoderWeights toWeights() {
        if (halfBase == null) return EngineChecks.toWeights(c, weights::get, "EagerDecoder");
        // the 16-bit matrices stay 16-bit (shared), as DecoderWeights.half
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : DecoderParameters.shapes(c).entrySet()) {
            if (halfBase.has(e.getKey())) continue;
            int[] shape = java.util.Arrays.stream(e.getValue()).mapToInt(Math::toIntExact).toArray();
            tensors.put(e.getKey(), new Tensor(shape, weights.get(e.getKey()).castTo(DataType.FLOAT).dup('c').data().asFloat()));
        }
        return DecoderWeights.fromHfTensors(c, tensors, new LinkedHashMap<>(halfBase.matrices()), "EagerDecoder");
    }

    private void load(TokenBatch b, boolean needWeights) {
        EngineChecks.checkBatch(b, batch, seqLen, vocab, "engine", needWeights);
        int maxPosition = 0;
        for (int r = 0; r < batch; r++) {
            for (int t = 0; t < seqLen; t++) {
                int i = r * seqLen + t;
                ids[i] = b.inputIds()[r][t];
                targets[i] = b.targetIds()[r][t];
                lossWeights[i] = b.lossWeights()[r][t];
                positions[i] = b.positions()[r][t];
                segments[i] = b.segments()[r][t];
                maxPosition = Math.max(maxPosition, positions[i]);
            }
        }
        ensureRope(maxPosition + 1);
        for (int r = 0; r < batch; r++) {
            int rowStart = r * seqLen;
            for (int t = 0; t < seqLen; t++) {
                int lo = t;
                while (lo > 0 && visible(rowStart, t, lo - 1)) lo--;
                boolean oneRun = visible(rowStart, t, t);
                for (int j = 0; j < lo - 1 && oneRun; j++) oneRun = !visible(rowStart, t, j);
                visibleFrom[rowStart + t] = oneRun ? lo : -1;
            }
        }
    }

    /** cos/sin(position * inv_freq[i]) for positions below {@code count}, in double: {@link RopeFrequencies}'s tables. */
    private void ensureRope(int count) {
        if (count <= ropePositions) return;
        double[][] cos = RopeFrequencies.cos(c, count), sin = RopeFrequencies.sin(c, count);
        int half = hd / 2;
        ropeCos = new double[count * half];
        ropeSin = new double[count * half];
        for (int p = 0; p < count; p++) {
            // each row holds the half-table twice (dimension i and i + hd/2 turn by the same angle)
            System.arraycopy(cos[p], 0, ropeCos, p * half, half);
            System.arraycopy(sin[p], 0, ropeSin, p * half, half);
        }
        ropeCosF = new float[ropeCos.length];
        ropeSinF = new float[ropeSin.length];
        for (int i = 0; i < ropeCos.length; i++) {
            ropeCosF[i] = (float) ropeCos[i];
            ropeSinF[i] = (float) ropeSin[i];
        }
        ropePositions = count;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Forward

    private void forward() {
        // h0 = E[ids]
        Dense e = p(EMBEDDING);
        Dense x0 = Dense.of(resid[0]);
        for (int i = 0; i < n; i++) {
            int row = ids[i] * d;
            for (int j = 0; j < d; j++) x0.set(i * d + j, e.get(row + j));
        }
        for (int l = 0; l < layers; l++) layerForward(l);
        rmsNorm(Dense.of(resid[layers]), p(FINAL_NORM), Dense.of(normF), rstdF);
        INDArray head = c.tieWordEmbeddings() ? weights.get(EMBEDDING) : weights.get(LM_HEAD);
        Blas.gemm(normF, false, head, true, logits, 1, 0);                                // [N, V]
    }

    private void layerForward(int l) {
        Layer a = act[l];
        // Attention block: mid = x + o_proj(attn(rope(q), rope(k), v)) on input_layernorm(x).
        rmsNorm(Dense.of(resid[l]), p(layer(l, "input_layernorm.weight")), Dense.of(a.norm1()), a.rstd1());
        linear(l, LoraModule.Q_PROJ, a.norm1(), qTok, 0);  // [N, Q]
        linear(l, LoraModule.K_PROJ, a.norm1(), kTok, 0);  // [N, KV]
        linear(l, LoraModule.V_PROJ, a.norm1(), vTok, 0);  // [N, KV]
        if (c.attentionBias()) {
            addBias(Dense.of(qTok), p(layer(l, "self_attn.q_proj.bias")), qDim);
            addBias(Dense.of(kTok), p(layer(l, "self_attn.k_proj.bias")), kvDim);
            addBias(Dense.of(vTok), p(layer(l, "self_attn.v_proj.bias")), kvDim);
        }
        toHeads(Dense.of(qTok), Dense.of(a.qHead()), heads, true, false);
        toHeads(Dense.of(kTok), Dense.of(a.kHead()), kvHeads, true, false);
        toHeads(Dense.of(vTok), Dense.of(a.vHead()), kvHeads, false, false);
        Dense probs = Dense.of(a.probs());
        ComputeThreads.forEachPart(batch * kvHeads, bg -> {
            // scores = q k^T / sqrt(hd): [T*R, T]; masked softmax per row; ctx = probs v: [T*R, hd]
            scores(a.qBlocks()[bg], a.kBlocks()[bg], a.probBlocks()[bg], scale);
            maskedSoftmax(probs, bg);
            mix(a.probBlocks()[bg], a.vBlocks()[bg], ctxHeadBlocks[bg], 1);
        });
        toHeads(Dense.of(a.ctx()), Dense.of(ctxHead), heads, false, true);   // back to token-major [N, Q]
        Dense.of(a.mid()).copyAll(Dense.of(resid[l]));
        linear(l, LoraModule.O_PROJ, a.ctx(), a.mid(), 1);

        // MLP block: x' = mid + down(silu(gate(m)) * up(m)) on post_attention_layernorm(mid).
        rmsNorm(Dense.of(a.mid()), p(layer(l, "post_attention_layernorm.weight")), Dense.of(a.norm2()), a.rstd2());
        linear(l, LoraModule.GATE_PROJ, a.norm2(), a.gate(), 0);  // [N, F]
        linear(l, LoraModule.UP_PROJ, a.norm2(), a.up(), 0);      // [N, F]
        Dense gate = Dense.of(a.gate()), up = Dense.of(a.up()), out = Dense.of(a.act());
        ComputeThreads.forEachRange(n * ffn, (part, from, to) -> SWIGLU.get().forward(gate, up, out, from, to));
        Dense.of(resid[l + 1]).copyAll(Dense.of(a.mid()));
        linear(l, LoraModule.DOWN_PROJ, a.act(), resid[l + 1], 1);
    }

    /** out = x * rsqrt(mean(x^2) + eps) * gain per token (HF LlamaRMSNorm); keeps the rsqrt for the backward. */
    private void rmsNorm(Dense x, Dense gain, Dense out, double[] rstd) {
        double eps = c.rmsNormEps();
        if (x instanceof Dense.F32 xf && gain instanceof Dense.F32 gf && out instanceof Dense.F32 of) {
            rmsNormF32(xf, gf, of, rstd, eps);
            return;
        }
        ComputeThreads.forEachRange(n, (part, from, to) -> {
            for (int i = from; i < to; i++) {
                int o = i * d;
                double ss = 0;
                for (int j = 0; j < d; j++) {
                    double v = x.get(o + j);
                    ss += v * v;
                }
                double r = RmsNorm.inverseRms(ss, d, eps);
                rstd[i] = r;
                for (int j = 0; j < d; j++) out.set(o + j, x.get(o + j) * r * gain.get(j));
            }
        });
    }

    /** {@link Exp#SPECIES}: one vector width per JVM (two made C2 box the Vector API calls of both, see Exp). */
    private static final VectorSpecies<Float> S = Exp.SPECIES;

    /** {@link #rmsNorm} in fp32 with the Vector API on heap copies of each row (sum of squares in fp32 lanes). */
    private void rmsNormF32(Dense.F32 x, Dense.F32 gain, Dense.F32 out, double[] rstd, double eps) {
        float[] g = normGain;
        gain.copyTo(0, g, d);
        ComputeThreads.forEachRange(n, (part, from, to) -> rmsNormRowsF32(x, g, out, rstd, eps, from, to));
    }

    private void rmsNormRowsF32(Dense.F32 x, float[] g, Dense.F32 out, double[] rstd, double eps, int from, int to) {
        float[] row = new float[d];
        int bound = S.loopBound(d);
        for (int i = from; i < to; i++) {
            x.copyTo(i * d, row, d);
            FloatVector acc = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector v = FloatVector.fromArray(S, row, j);
                acc = v.fma(v, acc);
            }
            double ss = acc.reduceLanes(VectorOperators.ADD);
            for (; j < d; j++) ss += (double) row[j] * row[j];
            double r = RmsNorm.inverseRms(ss, d, eps);
            rstd[i] = r;
            float rf = (float) r;
            for (j = 0; j < bound; j += S.length()) {
                FloatVector.fromArray(S, row, j).mul(rf).mul(FloatVector.fromArray(S, g, j)).intoArray(row, j);
            }
            for (; j < d; j++) row[j] = row[j] * rf * g[j];
            out.copyFrom(row, i * d, d);
        }
    }

    private void addBias(Dense y, Dense bias, int width) {
        for (int i = 0; i < n; i++) for (int j = 0; j < width; j++) y.add(i * width + j, bias.get(j));
    }

    /**
     * Token-major [N, count*hd] to head-major [B, count, T, hd], rotating each head by RoPE at the token's position
     * when {@code rope} (HF rotate_half: dimension i pairs with i + hd/2). With {@code inverse} it runs backwards:
     * head-major gradients to token-major, rotating by the transposed rotation.
     */
    private void toHeads(Dense tok, Dense head, int count, boolean rope, boolean inverse) {
        int half = hd / 2;
        int width = count * hd;
        if (tok instanceof Dense.F32 tf && head instanceof Dense.F32 hf) {
            ComputeThreads.forEachRange(n, (part, first, end) -> toHeadsF32(tf, hf, count, rope, inverse, first, end));
            return;
        }
        ComputeThreads.forEachRange(n, (part, first, end) -> {
            for (int i = first; i < end; i++) {
                int r = i / seqLen, t = i % seqLen;
                int ro = positions[i] * half;
                for (int h = 0; h < count; h++) {
                    int to = i * width + h * hd;
                    int ho = headOffset(r, t, h, count);
                    if (!rope) {
                        if (inverse) for (int k = 0; k < hd; k++) tok.set(to + k, head.get(ho + k));
                        else for (int k = 0; k < hd; k++) head.set(ho + k, tok.get(to + k));
                        continue;
                    }
                    for (int k = 0; k < half; k++) {
                        double cos = ropeCos[ro + k], sin = ropeSin[ro + k];
                        if (inverse) {
                            double d1 = head.get(ho + k), d2 = head.get(ho + k + half);
                            tok.set(to + k, RotaryEmbedding.firstBackward(d1, d2, cos, sin));
                            tok.set(to + k + half, RotaryEmbedding.secondBackward(d1, d2, cos, sin));
                        } else {
                            double x1 = tok.get(to + k), x2 = tok.get(to + k + half);
                            head.set(ho + k, RotaryEmbedding.first(x1, x2, cos, sin));
                            head.set(ho + k + half, RotaryEmbedding.second(x1, x2, cos, sin));
                        }
                    }
                }
            }
        });
    }

    /**
     * {@link #toHeads} in fp32 for tokens [first, end): each token's row is copied to the heap once, each head's
     * rotation runs on Vector API lanes (RoPE as {@link RotaryEmbedding}'s float forms, the backward as its
     * transpose), and each head segment is copied out (or in) with one memcpy.
     */
    private void toHeadsF32(Dense.F32 tok, Dense.F32 head, int count, boolean rope, boolean inverse, int first, int end) {
        int half = hd / 2, width = count * hd;
        float[] row = new float[width], seg = new float[hd];
        int bound = S.loopBound(half);
        for (int i = first; i < end; i++) {
            int r = i / seqLen, t = i % seqLen;
            int ro = positions[i] * half;
            if (!inverse) tok.copyTo(i * width, row, width);
            for (int h = 0; h < count; h++) {
                int to = h * hd;
                int ho = headOffset(r, t, h, count);
                if (!rope) {
                    if (inverse) head.copyTo(ho, row, to, hd);
                    else head.copyFrom(row, to, ho, hd);
                    continue;
                }
                float[] src = inverse ? seg : row, dst = inverse ? row : seg;
                int so = inverse ? 0 : to, dOff = inverse ? to : 0;
                if (inverse) head.copyTo(ho, seg, hd);
                int k = 0;
                for (; k < bound; k += S.length()) {
                    FloatVector cos = FloatVector.fromArray(S, ropeCosF, ro + k), sin = FloatVector.fromArray(S, ropeSinF, ro + k);
                    FloatVector a = FloatVector.fromArray(S, src, so + k), b = FloatVector.fromArray(S, src, so + k + half);
                    if (inverse) {   // the transposed rotation: a cos + b sin, b cos - a sin
                        a.mul(cos).add(b.mul(sin)).intoArray(dst, dOff + k);
                        b.mul(cos).sub(a.mul(sin)).intoArray(dst, dOff + k + half);
                    } else {         // a cos - b sin, b cos + a sin
                        a.mul(cos).sub(b.mul(sin)).intoArray(dst, dOff + k);
                        b.mul(cos).add(a.mul(sin)).intoArray(dst, dOff + k + half);
                    }
                }
                for (; k < half; k++) {
                    float cos = ropeCosF[ro + k], sin = ropeSinF[ro + k], a = src[so + k], b = src[so + k + half];
                    dst[dOff + k] = inverse ? a * cos + b * sin : RotaryEmbedding.first(a, b, cos, sin);
                    dst[dOff + k + half] = inverse ? b * cos - a * sin : RotaryEmbedding.second(a, b, cos, sin);
                }
                if (!inverse) head.copyFrom(seg, ho, hd);
            }
            if (inverse) tok.copyFrom(row, i * width, width);
        }
    }

    /** Whether every query of the row starting at {@code rowStart} sees one run of keys ({@link #visibleFrom}). */
    private boolean oneRunPerQuery(int rowStart) {
        for (int t = 0; t < seqLen; t++) if (visibleFrom[rowStart + t] < 0) return false;
        return true;
    }

    /** Whether query t may see key j of the same row ({@link Visibility}: causal, same example, sliding window). */
    private boolean visible(int rowStart, int t, int j) {
        return Visibility.visible(t, j, segments[rowStart + t], segments[rowStart + j], c.slidingWindow());
    }

    /**
     * Where query (count = H) or key/value (count = K) head h of token (batch row r, position t) sits in its head-major
     * copy: block (r, h's KV head), row t * per + h's index within its group, per = count / K query heads per block row.
     */
    private int headOffset(int r, int t, int h, int count) {
        int per = count / kvHeads;
        return (((r * kvHeads + h / per) * seqLen + t) * per + h % per) * hd;
    }

    /**
     * Positions per chunk of the causal attention gemms: query blocks of at least 64 rows and 32 positions (on the bench
     * model, T = 128 and 2 query heads per KV head, 64 rows beat 32 and 128; Qwen2-0.5B's 7 per KV head at T = 512
     * gets 16 chunks of 224 rows, not 57 of 63).
     */
    private int chunkPositions() {
        return Math.max(32, (64 + group - 1) / group);
    }

    /**
     * s = alpha q x^T for one block (scores q k^T, or dP = dctx v^T): per chunk of query positions [t0, t1), only the
     * keys [0, t1), the only ones those queries may see (causal); the rest of s stays as it was and is never read
     * as a visible score.
     */
    private void scores(Blas.Mat q, Blas.Mat x, Blas.Mat s, double alpha) {
        for (int t0 = 0, step = chunkPositions(); t0 < seqLen; t0 += step) {
            int t1 = Math.min(seqLen, t0 + step), rows = (t1 - t0) * group;
            Blas.gemm(q.block(t0 * group, rows, 0, hd), false, x.block(0, t1, 0, hd), true,
                    s.block(t0 * group, rows, 0, t1), alpha, 0);
        }
    }

    /** out = alpha p x for one block (ctx = P v, dq = dS k): per chunk of query positions, the keys [0, t1) only. */
    private void mix(Blas.Mat p, Blas.Mat x, Blas.Mat out, double alpha) {
        for (int t0 = 0, step = chunkPositions(); t0 < seqLen; t0 += step) {
            int t1 = Math.min(seqLen, t0 + step), rows = (t1 - t0) * group;
            Blas.gemm(p.block(t0 * group, rows, 0, t1), false, x.block(0, t1, 0, hd), false,
                    out.block(t0 * group, rows, 0, hd), alpha, 0);
        }
    }

    /**
     * out = alpha p^T x for one block (dv = P^T dctx, dk = dS^T q): per chunk of key positions [j0, j1), only the rows
     * of the queries that may see them (positions j0 and later).
     */
    private void mixTransposed(Blas.Mat p, Blas.Mat x, Blas.Mat out, double alpha) {
        for (int j0 = 0, step = chunkPositions(); j0 < seqLen; j0 += step) {
            int j1 = Math.min(seqLen, j0 + step), rows = (seqLen - j0) * group;
            Blas.gemm(p.block(j0 * group, rows, j0, j1 - j0), true, x.block(j0 * group, rows, 0, hd), false,
                    out.block(j0, j1 - j0, 0, hd), alpha, 0);
        }
    }

    /**
     * In-place softmax over the visible keys of each of block bg's T*R score rows (row t * R + g); hidden keys get
     * probability 0, including those {@link #scores} left out.
     */
    private void maskedSoftmax(Dense probs, int bg) {
        int rowStart = (bg / kvHeads) * seqLen;
        if (probs instanceof Dense.F32 pf && oneRunPerQuery(rowStart)) {
            float[] row = new float[seqLen];
            for (int r = 0; r < group * seqLen; r++) {
                int t = r / group, lo = visibleFrom[rowStart + t], len = t + 1 - lo;
                int o = (bg * group * seqLen + r) * seqLen;
                pf.copyTo(o + lo, row, len);
                Softmax.forward(row, 0, len);
                pf.zero(o, lo);
                pf.copyFrom(row, o + lo, len);
                pf.zero(o + t + 1, seqLen - t - 1);
            }
            return;
        }
        double[] scores = new double[seqLen];
        for (int row = 0; row < group * seqLen; row++) {
            int t = row / group;
            int o = (bg * group * seqLen + row) * seqLen;
            for (int j = 0; j < seqLen; j++) scores[j] = probs.get(o + j);
            Softmax.forwardMasked(scores, 0, seqLen, j -> visible(rowStart, t, j));
            for (int j = 0; j < seqLen; j++) probs.set(o + j, scores[j]);
        }
    }

    /**
     * loss = sum_i w_i (logsumexp(l_i) - l_i[target_i]) / sum_i w_i. With {@code backward}, the logits are replaced
     * by d loss / d logits = w_i / W * (softmax(l_i) - onehot(target_i)); otherwise they are left as they are.
     */
    private double crossEntropy(boolean backward) {
        double weightSum = 0;
        for (double w : lossWeights) weightSum += w;
        return ce.run(Dense.of(logits), targets, lossWeights, weightSum, backward) / weightSum;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Backward

    private void backward() {
        INDArray head = c.tieWordEmbeddings() ? weights.get(EMBEDDING) : weights.get(LM_HEAD);
        INDArray gHead = c.tieWordEmbeddings() ? grads.get(EMBEDDING) : grads.get(LM_HEAD);
        if (gHead != null) Blas.gemm(logits, true, normF, false, gHead, 1, 0);   // [V, D] = dlogits^T normF
        Blas.gemm(logits, false, head, false, dNorm, 1, 0);                      // [N, D] = dlogits W
        Dense.of(dResid).zeroAll();
        rmsNormBackward(Dense.of(resid[layers]), rstdF, p(FINAL_NORM), Dense.of(dNorm), Dense.of(dResid),
                gradOf(FINAL_NORM));
        for (int l = layers - 1; l >= 0; l--) layerBackward(l);
        if (lora != null) return;   // frozen embedding
        // dE: the head's share (tied, already there) plus one row of dh0 per occurrence of each id.
        if (!c.tieWordEmbeddings()) Dense.of(grads.get(EMBEDDING)).zeroAll();
        Dense gE = Dense.of(grads.get(EMBEDDING));
        Dense dx = Dense.of(dResid);
        for (int i = 0; i < n; i++) {
            int row = ids[i] * d;
            for (int j = 0; j < d; j++) gE.add(row + j, dx.get(i * d + j));
        }
    }

    /** dResid holds d loss / d resid[l+1] on entry and d loss / d resid[l] on exit. */
    private void layerBackward(int l) {
        Layer a = act[l];
        // MLP: x' = mid + act @ Wdown^T, act = silu(gate) * up.
        linearBackward(l, LoraModule.DOWN_PROJ, a.act(), dResid, dAct, 0);          // dAct [N, F]
        Dense gate = Dense.of(a.gate()), up = Dense.of(a.up());
        Dense da = Dense.of(dAct), dg = Dense.of(dGate), du = Dense.of(dUp);
        ComputeThreads.forEachRange(n * ffn, (part, from, to) -> SWIGLU.get().backward(da, gate, up, dg, du, from, to));
        linearBackward(l, LoraModule.GATE_PROJ, a.norm2(), dGate, dNorm, 0);        // dNorm [N, D]
        linearBackward(l, LoraModule.UP_PROJ, a.norm2(), dUp, dNorm, 1);
        rmsNormBackward(Dense.of(a.mid()), a.rstd2(), p(layer(l, "post_attention_layernorm.weight")), Dense.of(dNorm),
                Dense.of(dResid), gradOf(layer(l, "post_attention_layernorm.weight")));

        // Attention: mid = x + ctx @ Wo^T.
        linearBackward(l, LoraModule.O_PROJ, a.ctx(), dResid, dCtx, 0);            // dCtx [N, Q]
        toHeads(Dense.of(dCtx), Dense.of(dCtxHead), heads, false, false);
        Dense probs = Dense.of(a.probs()), dProb = Dense.of(dProbs);
        ComputeThreads.forEachPart(batch * kvHeads, bg -> {
            mixTransposed(a.probBlocks()[bg], dCtxBlocks[bg], dVBlocks[bg], 1);   // dv = P^T dctx
            scores(dCtxBlocks[bg], a.vBlocks()[bg], dProbBlocks[bg], 1);          // dP = dctx v^T
            softmaxBackward(probs, dProb, bg);                                    // dP -> dscores
            mix(dProbBlocks[bg], a.kBlocks()[bg], dQBlocks[bg], scale);           // dq = dS k / sqrt(hd)
            mixTransposed(dProbBlocks[bg], a.qBlocks()[bg], dKBlocks[bg], scale); // dk = dS^T q / sqrt(hd)
        });
        toHeads(Dense.of(dQTok), Dense.of(dQHead), heads, true, true);
        toHeads(Dense.of(dKTok), Dense.of(dKHead), kvHeads, true, true);
        toHeads(Dense.of(dVTok), Dense.of(dVHead), kvHeads, false, true);
        if (c.attentionBias() && lora == null) {
            columnSums(Dense.of(dQTok), Dense.of(g(l, "self_attn.q_proj.bias")), qDim);
            columnSums(Dense.of(dKTok), Dense.of(g(l, "self_attn.k_proj.bias")), kvDim);
            columnSums(Dense.of(dVTok), Dense.of(g(l, "self_attn.v_proj.bias")), kvDim);
        }
        linearBackward(l, LoraModule.Q_PROJ, a.norm1(), dQTok, dNorm, 0);          // dNorm [N, D]
        linearBackward(l, LoraModule.K_PROJ, a.norm1(), dKTok, dNorm, 1);
        linearBackward(l, LoraModule.V_PROJ, a.norm1(), dVTok, dNorm, 1);
        rmsNormBackward(Dense.of(resid[l]), a.rstd1(), p(layer(l, "input_layernorm.weight")), Dense.of(dNorm),
                Dense.of(dResid), gradOf(layer(l, "input_layernorm.weight")));
    }

    /**
     * y = x * r * g with r = (mean(x^2) + eps)^-1/2: dx += r * u - x * r^3 * sum(u * x) / D with u = dy * g (added to
     * {@code dx}, the residual stream's gradient), and dg = sum over tokens of dy * x * r (set).
     */
    private void rmsNormBackward(Dense x, double[] rstd, Dense gain, Dense dy, Dense dx, Dense dGain) {
        double[][] dgParts = new double[ComputeThreads.count()][d];   // per thread, summed below in a fixed order
        if (x instanceof Dense.F32 xf && gain instanceof Dense.F32 gf && dy instanceof Dense.F32 dyf
                && dx instanceof Dense.F32 dxf) {
            float[] g = new float[d];
            gf.copyTo(0, g, d);
            ComputeThreads.forEachRange(n, (part, from, to) ->
                    rmsNormBackwardRowsF32(xf, rstd, g, dyf, dxf, dgParts[part], from, to));
        } else {
            ComputeThreads.forEachRange(n, (part, from, to) -> {
            double[] dg = dgParts[part];
            for (int i = from; i < to; i++) {
                int o = i * d;
                double r = rstd[i];
                double dot = 0;
                for (int j = 0; j < d; j++) dot += dy.get(o + j) * gain.get(j) * x.get(o + j);
                double k = RmsNorm.backwardFactor(r, dot, d);
                for (int j = 0; j < d; j++) {
                    double xv = x.get(o + j), dyv = dy.get(o + j);
                    dx.add(o + j, RmsNorm.inputGradient(r, dyv, gain.get(j), xv, k));
                    dg[j] += dyv * xv * r;
                }
            }
            });
        }
        if (dGain == null) return;
        for (int j = 0; j < d; j++) {
            double sum = 0;
            for (double[] dg : dgParts) sum += dg[j];
            dGain.set(j, sum);
        }
    }

    /**
     * {@link #rmsNormBackward} in fp32 with the Vector API on heap copies of each row: the same formulas as
     * {@link RmsNorm#backwardFactor} and {@link RmsNorm#inputGradient}, the gain's gradient summed per thread in
     * fp32 lanes of one row at a time and in double across rows.
     */
    private void rmsNormBackwardRowsF32(Dense.F32 x, double[] rstd, float[] g, Dense.F32 dy, Dense.F32 dx, double[] dg,
                                        int from, int to) {
        float[] xr = new float[d], dyr = new float[d], dxr = new float[d], dgRows = new float[d];
        int bound = S.loopBound(d);
        for (int i = from; i < to; i++) {
            if ((i - from) % 32 == 0) flushInto(dg, dgRows);   // fp32 sums of at most 32 rows, then double
            int o = i * d;
            x.copyTo(o, xr, d);
            dy.copyTo(o, dyr, d);
            dx.copyTo(o, dxr, d);
            float r = (float) rstd[i];
            FloatVector acc = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector dyv = FloatVector.fromArray(S, dyr, j);
                acc = dyv.mul(FloatVector.fromArray(S, g, j)).fma(FloatVector.fromArray(S, xr, j), acc);
            }
            double dot = acc.reduceLanes(VectorOperators.ADD);
            for (; j < d; j++) dot += (double) dyr[j] * g[j] * xr[j];
            float k = (float) RmsNorm.backwardFactor(rstd[i], dot, d);
            for (j = 0; j < bound; j += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, xr, j), dyv = FloatVector.fromArray(S, dyr, j);
                // dx += r * dy * g - x * k
                dyv.mul(r).mul(FloatVector.fromArray(S, g, j)).sub(xv.mul(k)).add(FloatVector.fromArray(S, dxr, j))
                        .intoArray(dxr, j);
                // the gain's gradient: dy * x * r
                dyv.mul(xv).mul(r).add(FloatVector.fromArray(S, dgRows, j)).intoArray(dgRows, j);
            }
            for (; j < d; j++) {
                dxr[j] += r * dyr[j] * g[j] - xr[j] * k;
                dgRows[j] += dyr[j] * xr[j] * r;
            }
            dx.copyFrom(dxr, o, d);
        }
        flushInto(dg, dgRows);
    }

    /** sum += part, then part = 0. */
    private static void flushInto(double[] sum, float[] part) {
        for (int j = 0; j < sum.length; j++) {
            sum[j] += part[j];
            part[j] = 0;
        }
    }

    /** dS = P * (dP - sum_j(dP * P)) per row of block bg ({@link Softmax}), in place in dP; hidden keys (P = 0) get 0. */
    private void softmaxBackward(Dense probs, Dense dProb, int bg) {
        int rowStart = (bg / kvHeads) * seqLen;
        if (probs instanceof Dense.F32 pf && dProb instanceof Dense.F32 df && oneRunPerQuery(rowStart)) {
            float[] y = new float[seqLen], dy = new float[seqLen];
            for (int r = 0; r < group * seqLen; r++) {
                int t = r / group, lo = visibleFrom[rowStart + t], len = t + 1 - lo;
                int o = (bg * group * seqLen + r) * seqLen;
                pf.copyTo(o + lo, y, len);
                df.copyTo(o + lo, dy, len);
                Softmax.backward(y, 0, dy, 0, len);
                df.zero(o, lo);
                df.copyFrom(dy, o + lo, len);
                df.zero(o + t + 1, seqLen - t - 1);
            }
            return;
        }
        double[] y = new double[seqLen], dy = new double[seqLen];
        for (int row = 0; row < group * seqLen; row++) {
            int t = row / group;
            int o = (bg * group * seqLen + row) * seqLen;
            // keys after t are never visible (causal): P = 0 there, so only the prefix 0..t is computed
            for (int j = 0; j <= t; j++) {
                y[j] = probs.get(o + j);
                dy[j] = dProb.get(o + j);
            }
            Softmax.backward(y, 0, dy, 0, t + 1);
            for (int j = 0; j < seqLen; j++) dProb.set(o + j, j <= t ? dy[j] : 0);
        }
    }

    private void columnSums(Dense dy, Dense out, int width) {
        double[] s = new double[width];
        for (int i = 0; i < n; i++) for (int j = 0; j < width; j++) s[j] += dy.get(i * width + j);
        for (int j = 0; j < width; j++) out.set(j, s[j]);
    }
}
