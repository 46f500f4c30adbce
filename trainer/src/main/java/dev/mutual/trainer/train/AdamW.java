package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.eager.ComputeThreads;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW with decoupled weight decay and global-norm clipping, step for step the arithmetic of
 * {@code torch.optim.AdamW} (default, non-amsgrad) after {@code torch.nn.utils.clip_grad_norm_}:
 * <pre>
 *   g     *= min(1, max_norm / (||g||_2 + 1e-6))          over all parameters together
 *   p     *= 1 - lr * wd                                  decayed parameters only
 *   m      = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   p     -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Updates the parameter arrays in place and keeps one m and one v per parameter (off-heap, same type).
 */
public final class AdamW {

    private final AdamWConfig config;
    private final Map<String, INDArray> parameters;
    private final Set<String> decayed;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private int step;
    private static final int CHUNK = 8192;
    /** Heap scratch for the fused fp32 update, one set per thread: p, g, m, v chunks. */
    private static final ThreadLocal<float[][]> CHUNKS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    /**
     * @param parameters live parameter arrays by name, updated in place by {@link #step}
     * @param decayed    names that get weight decay
     */
    public AdamW(AdamWConfig config, Map<String, INDArray> parameters, Set<String> decayed) {
        if (!parameters.keySet().containsAll(decayed)) {
            throw new IllegalArgumentException("decayed names " + decayed + " are not all parameters");
        }
        this.config = config;
        this.parameters = new LinkedHashMap<>(parameters);
        this.decayed = Set.copyOf(decayed);
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            m.put(e.getKey(), e.getValue().ulike().assign(0));
            v.put(e.getKey(), e.getValue().ulike().assign(0));
        }
    }

    /**
     * For every parameter of {@code graph}; decay on the weight matrices only, not on norm gains, biases or the
     * embedding (nor on a head tied to it), as HF's Trainer and nanoGPT's "no decay for 1-D" groups do.
     */
    public static AdamW forDecoder(AdamWConfig config, TrainableModel model) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        Set<String> decayed = new TreeSet<>();
        for (Map.Entry<String, long[]> e : DecoderParameters.shapes(model.config()).entrySet()) {
            params.put(e.getKey(), model.parameter(e.getKey()));
            if (!DecoderParameters.isVector(e.getValue()) && !e.getKey().equals(DecoderParameters.EMBEDDING)) {
                decayed.add(e.getKey());
            }
        }
        return new AdamW(config, params, decayed);
    }

    public AdamWConfig config() {
        return config;
    }

    public Set<String> decayed() {
        return decayed;
    }

    /** Steps taken so far. */
    public int stepCount() {
        return step;
    }

    /** The live first moments (torch's {@code exp_avg}) by parameter name, for a checkpoint. */
    public Map<String, INDArray> firstMoments() {
        return Collections.unmodifiableMap(m);
    }

    /** The live second moments (torch's {@code exp_avg_sq}) by parameter name, for a checkpoint. */
    public Map<String, INDArray> secondMoments() {
        return Collections.unmodifiableMap(v);
    }

    /**
     * Continues from a checkpoint: copies {@code firstMoments} and {@code secondMoments} (same names and shapes
     * as this optimizer's) into its state and sets the step count, which the bias correction and the schedule use.
     */
    public void restore(int stepCount, Map<String, INDArray> firstMoments, Map<String, INDArray> secondMoments) {
        if (stepCount < 0) throw new IllegalArgumentException("step count must be >= 0, got " + stepCount);
        if (!firstMoments.keySet().equals(m.keySet()) || !secondMoments.keySet().equals(v.keySet())) {
            throw new IllegalArgumentException("optimizer state for " + firstMoments.keySet() + " / "
                    + secondMoments.keySet() + ", parameters are " + m.keySet());
        }
        for (String name : m.keySet()) {
            copyInto(name, firstMoments.get(name), m.get(name));
            copyInto(name, secondMoments.get(name), v.get(name));
        }
        step = stepCount;
    }

    private static void copyInto(String name, INDArray from, INDArray to) {
        if (!Arrays.equals(from.shape(), to.shape())) {
            throw new IllegalArgumentException("optimizer state '" + name + "' has shape " + Arrays.toString(from.shape())
                    + ", expected " + Arrays.toString(to.shape()));
        }
        to.assign(from);
    }

    /**
     * One update at learning rate {@code lr} (the schedule's value for this step). {@code gradients} are only read:
     * the clipping factor is applied on the way, not written back (one array less to write per step). Returns the
     * global gradient norm before clipping.
     */
    public double step(Map<String, INDArray> gradients, double lr) {
        if (!gradients.keySet().equals(parameters.keySet())) {
            throw new IllegalArgumentException("gradients for " + gradients.keySet() + ", parameters are "
                    + parameters.keySet());
        }
        // Whole c-order fp32 tensors (all of the eager engine's) go through two passes over all of them at once.
        List<String> flatNames = new ArrayList<>();
        double sumSquares = 0;
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            INDArray g = gradients.get(name);
            if (wholeFloat(e.getValue(), g, m.get(name), v.get(name))) flatNames.add(name);
            else sumSquares += sumOfSquares(g);
        }
        Flat flat = new Flat(flatNames, gradients);
        sumSquares += flat.sumOfSquares();
        double norm = Math.sqrt(sumSquares);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("gradient norm is " + norm + " at step " + (step + 1) + ": not updating");
        }
        double clip = config.maxGradNorm() > 0 ? Math.min(1.0, config.maxGradNorm() / (norm + 1e-6)) : 1.0;
        step++;
        double bias1 = 1 - Math.pow(config.beta1(), step);
        double bias2 = 1 - Math.pow(config.beta2(), step);
        flat.update(clip, 1 - lr * config.weightDecay(), lr / bias1, Math.sqrt(bias2));
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            if (flat.names.contains(name)) continue;
            INDArray p = e.getValue();
            INDArray g = gradients.get(name);
            double decay = decayed.contains(name) ? 1 - lr * config.weightDecay() : 1;
            if (fused(p, g, m.get(name), v.get(name), clip, decay, lr / bias1, Math.sqrt(bias2))) continue;
            if (decayed.contains(name)) p.muli(1 - lr * config.weightDecay());
            INDArray mi = m.get(name);
            INDArray vi = v.get(name);
            try (INDArray gc = g.mul(clip); INDArray gm = gc.mul(1 - config.beta1());
                 INDArray g2 = gc.mul(gc).muli(1 - config.beta2())) {
                mi.muli(config.beta1()).addi(gm);
                vi.muli(config.beta2()).addi(g2);
            }
            try (INDArray denom = Transforms.sqrt(vi, true).divi(Math.sqrt(bias2)).addi(config.eps());
                 INDArray update = mi.div(denom).muli(lr / bias1)) {
                p.subi(update);
            }
        }
        return norm;
    }

    /**
     * sum(g^2) in double. Whole c-order FLOAT / DOUBLE arrays are summed in Java: ND4J's {@code norm2Number} is a
     * native reduction that syncs its OpenMP threads per call, and on 2 cores its ~40 calls per step were ~10 % of
     * an eager V=4096 step (JFR, BENCHMARKS.md "Training"); other layouts use it.
     */
    private double sumOfSquares(INDArray g) {
        boolean whole = !g.isView() && g.offset() == 0 && g.ordering() == 'c' && g.length() == g.data().length();
        int n = (int) g.length();
        if (whole && g.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = g.data().asNioDouble();
            double s = 0;
            for (int i = 0; i < n; i++) s += b.get(i) * b.get(i);
            return s;
        }
        if (whole && g.dataType() == DataType.FLOAT) {
            FloatBuffer b = g.data().asNioFloat();
            double[] parts = new double[ComputeThreads.count()];   // summed in a fixed order below
            forEachChunkRange(n, (part, first, end) -> {
                float[] c = CHUNKS.get()[0];
                double s = 0;
                for (int from = first; from < end; from += CHUNK) {
                    int len = Math.min(CHUNK, end - from);
                    b.get(from, c, 0, len);
                    s += sumOfSquares(c, len);
                }
                parts[part] = s;
            });
            double s = 0;
            for (double x : parts) s += x;
            return s;
        }
        double norm = g.norm2Number().doubleValue();
        return norm * norm;
    }

    /**
     * The update above in one plain pass over the arrays' memory when all four are whole c-order DOUBLE arrays (fp32
     * ones go through {@link Flat}); returns false (nothing done) for any other layout.
     */
    private boolean fused(INDArray p, INDArray g, INDArray m, INDArray v, double clip, double decay,
                                 double stepSize, double sqrtBias2) {
        for (INDArray a : new INDArray[] {p, g, m, v}) {
            if (a.isView() || a.offset() != 0 || a.ordering() != 'c' || a.length() != a.data().length()
                    || a.dataType() != p.dataType()) return false;
        }
        double b1 = config.beta1(), b2 = config.beta2(), eps = config.eps();
        int n = (int) p.length();
        if (p.dataType() == DataType.DOUBLE) {
            DoubleBuffer pb = p.data().asNioDouble(), gb = g.data().asNioDouble(), mb = m.data().asNioDouble(),
                    vb = v.data().asNioDouble();
            for (int i = 0; i < n; i++) {
                double gi = gb.get(i) * clip;
                double mi = b1 * mb.get(i) + (1 - b1) * gi;
                double vi = b2 * vb.get(i) + (1 - b2) * gi * gi;
                mb.put(i, mi);
                vb.put(i, vi);
                pb.put(i, pb.get(i) * decay - stepSize * mi / (Math.sqrt(vi) / sqrtBias2 + eps));
            }
            return true;
        }
        return false;
    }

    private static boolean wholeFloat(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || a.isView() || a.offset() != 0 || a.ordering() != 'c'
                    || a.length() != a.data().length()) return false;
        }
        return true;
    }

    /**
     * The whole c-order fp32 tensors of a step laid end to end in one index space, which each pass splits over the
     * compute threads in one hand-off: one per tensor cost a thread wake-up (~50 us here) each, ~60 a step. Each
     * thread copies pieces of at most {@link #CHUNK} elements to heap arrays (a direct FloatBuffer's per-element
     * get/put is several times slower) and computes on Vector API lanes. The update is memory-bound, so it reads p,
     * g, m, v and writes p, m, v only: the clipped gradient is not written back. Both changes: 11.7 -> 8.4-8.7 ms of
     * a V=4096 step on 2 threads ({@code bench train}'s optimizer_ms, BENCHMARKS.md).
     */
    private final class Flat {
        final Set<String> names;
        final FloatBuffer[] p, g, m, v;
        final boolean[] decays;
        /** Tensor i covers [start[i], start[i + 1]) of the index space. */
        final long[] start;

        Flat(List<String> names, Map<String, INDArray> gradients) {
            this.names = Set.copyOf(names);
            int n = names.size();
            p = new FloatBuffer[n];
            g = new FloatBuffer[n];
            m = new FloatBuffer[n];
            v = new FloatBuffer[n];
            decays = new boolean[n];
            start = new long[n + 1];
            for (int i = 0; i < n; i++) {
                String name = names.get(i);
                p[i] = parameters.get(name).data().asNioFloat();
                g[i] = gradients.get(name).data().asNioFloat();
                m[i] = AdamW.this.m.get(name).data().asNioFloat();
                v[i] = AdamW.this.v.get(name).data().asNioFloat();
                decays[i] = decayed.contains(name);
                start[i + 1] = start[i] + parameters.get(name).length();
            }
        }

        /** A piece: elements [offset, offset + length) of tensor i, length at most CHUNK; part indexes per-thread sums. */
        interface PieceBody {
            void run(int part, int i, int offset, int length);
        }

        void forEachPiece(PieceBody body) {
            long total = start[start.length - 1];
            int chunks = Math.toIntExact((total + CHUNK - 1) / CHUNK);
            ComputeThreads.RangeBody range = (part, c0, c1) -> {
                long pos = (long) c0 * CHUNK, to = Math.min(total, (long) c1 * CHUNK);
                int i = 0;
                while (pos < to) {
                    while (start[i + 1] <= pos) i++;
                    int offset = (int) (pos - start[i]);
                    int length = (int) Math.min(Math.min(to - pos, CHUNK), start[i + 1] - pos);
                    body.run(part, i, offset, length);
                    pos += length;
                }
            };
            if (chunks < 4) range.run(0, 0, chunks);   // small models: not worth a hand-off
            else ComputeThreads.forEachRange(chunks, range);
        }

        double sumOfSquares() {
            double[] parts = new double[ComputeThreads.count()];   // summed in a fixed order below
            forEachPiece((part, i, offset, length) -> {
                float[] c = CHUNKS.get()[0];
                g[i].get(offset, c, 0, length);
                parts[part] += AdamW.sumOfSquares(c, length);
            });
            double s = 0;
            for (double x : parts) s += x;
            return s;
        }

        /** fp32 arithmetic as torch (and the op-by-op path) does for fp32 parameters; decay on the decayed tensors. */
        void update(double clip, double decay, double stepSize, double sqrtBias2) {
            double b1 = config.beta1(), b2 = config.beta2(), eps = config.eps();
            float clipF = (float) clip, b1F = (float) b1, c1F = (float) (1 - b1), b2F = (float) b2, c2F = (float) (1 - b2);
            float decayF = (float) decay, stepF = (float) stepSize, sqrtB2F = (float) sqrtBias2, epsF = (float) eps;
            forEachPiece((part, t, offset, len) -> {
                float[][] chunks = CHUNKS.get();
                float[] pc = chunks[0], gc = chunks[1], mc = chunks[2], vc = chunks[3];
                p[t].get(offset, pc, 0, len);
                g[t].get(offset, gc, 0, len);
                m[t].get(offset, mc, 0, len);
                v[t].get(offset, vc, 0, len);
                float d = decays[t] ? decayF : 1f;
                int i = 0;
                for (; i < S.loopBound(len); i += S.length()) {
                    FloatVector gi = FloatVector.fromArray(S, gc, i).mul(clipF);
                    FloatVector mi = FloatVector.fromArray(S, mc, i).mul(b1F).add(gi.mul(c1F));
                    FloatVector vi = FloatVector.fromArray(S, vc, i).mul(b2F).add(gi.mul(gi).mul(c2F));
                    mi.intoArray(mc, i);
                    vi.intoArray(vc, i);
                    FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(sqrtB2F).add(epsF);
                    FloatVector.fromArray(S, pc, i).mul(d).sub(mi.mul(stepF).div(denom)).intoArray(pc, i);
                }
                for (; i < len; i++) {
                    float gi = gc[i] * clipF;
                    float mi = b1F * mc[i] + c1F * gi;
                    float vi = b2F * vc[i] + c2F * gi * gi;
                    mc[i] = mi;
                    vc[i] = vi;
                    pc[i] = pc[i] * d - stepF * mi / ((float) Math.sqrt(vi) / sqrtB2F + epsF);
                }
                p[t].put(offset, pc, 0, len);
                m[t].put(offset, mc, 0, len);
                v[t].put(offset, vc, 0, len);
            });
        }
    }

    /** 256-bit lanes ({@link dev.mutual.trainer.ops.Exp#SPECIES}): JDK 17 runs 512-bit Vector API code several times slower here. */
    private static final VectorSpecies<Float> S = dev.mutual.trainer.ops.Exp.SPECIES;

    /** sum of c[i]^2 over [0, len): fp32 lanes (each sums len / lanes squares), reduced in double. */
    private static double sumOfSquares(float[] c, int len) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < S.loopBound(len); i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, c, i);
            acc = v.fma(v, acc);
        }
        double s = 0;
        for (int lane = 0; lane < S.length(); lane++) s += acc.lane(lane);
        for (; i < len; i++) s += (double) c[i] * c[i];
        return s;
    }

    /**
     * [0, n) split over the compute threads ({@link ComputeThreads}) in whole chunks; small tensors (norm gains,
     * biases) stay on the calling thread. Absolute-index buffer access keeps the shared buffers safe to read and
     * write from several threads at disjoint ranges.
     */
    private static void forEachChunkRange(int n, ComputeThreads.RangeBody body) {
        if (n < 4 * CHUNK) {
            body.run(0, 0, n);
            return;
        }
        int chunkCount = (n + CHUNK - 1) / CHUNK;
        ComputeThreads.forEachRange(chunkCount, (part, first, end) ->
                body.run(part, first * CHUNK, Math.min(n, end * CHUNK)));
    }
}
