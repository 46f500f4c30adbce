package dev.mutual.trainer.eager;

import dev.mutual.trainer.ops.Exp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weighted softmax cross-entropy over {@code [rows, vocab]} logits and, in the same pass, its gradient in place:
 * loss = sum_i w_i (logsumexp(l_i) - l_i[target_i]), d loss / d l_i = w_i / W * (softmax(l_i) - onehot(target_i)).
 *
 * <p>Why not ND4J ops: max, subtract, exp, sum and scale were five native passes over the [N, V] logits (131 MB at
 * V = 32000), about 14 % of a training step. Here each row is read once into a heap buffer (128 KB at V = 32000,
 * it stays in L2), max / exp-sum / scale run on it with the Vector API, and it is written back once; rows are
 * split over the common pool. fp32 uses {@link Exp#exp(FloatVector)} (a polynomial within 3 ulp of {@code Math.exp},
 * CrossEntropyTest); fp64 (the gradient checks) runs the same formulas in double with {@code Math.exp}.
 */
final class CrossEntropy {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private final int rows, vocab;
    /** One row buffer per part, so parts run concurrently without allocating. */
    private final float[][] buffers;

    CrossEntropy(int rows, int vocab) {
        this.rows = rows;
        this.vocab = vocab;
        int parts = Math.max(1, Math.min(rows, Runtime.getRuntime().availableProcessors()));
        buffers = new float[parts][vocab];
    }

    /**
     * sum_i w_i (logsumexp(l_i) - l_i[target_i]) (not yet divided by W); with {@code backward} each row of
     * {@code logits} is replaced by its gradient (rows with w_i = 0 by zeros), otherwise the logits are unchanged.
     */
    double run(Dense logits, int[] targets, double[] weights, double weightSum, boolean backward) {
        if (logits.length != rows * vocab) throw new IllegalArgumentException("logits have " + logits.length + " elements");
        if (!(logits instanceof Dense.F32 f)) return rowsF64(logits, 0, rows, targets, weights, weightSum, backward);
        int parts = Math.min(buffers.length, ComputeThreads.count());
        double[] loss = new double[parts];
        ComputeThreads.forEachPart(parts, p -> loss[p] = rowsF32(f, p * rows / parts, (p + 1) * rows / parts,
                buffers[p], targets, weights, weightSum, backward));
        double total = 0;
        for (double x : loss) total += x;
        return total;
    }

    private double rowsF32(Dense.F32 logits, int from, int to, float[] buf, int[] targets, double[] weights,
                           double weightSum, boolean backward) {
        double loss = 0;
        int bound = S.loopBound(vocab);
        for (int i = from; i < to; i++) {
            double w = weights[i];
            if (w == 0) {
                if (backward) logits.zero(i * vocab, vocab);
                continue;
            }
            logits.copyTo(i * vocab, buf, vocab);
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int j = 0;
            for (; j < bound; j += L) mv = mv.max(FloatVector.fromArray(S, buf, j));
            float max = mv.reduceLanes(VectorOperators.MAX);
            for (; j < vocab; j++) max = Math.max(max, buf[j]);
            float target = buf[targets[i]];
            FloatVector sv = FloatVector.zero(S);
            for (j = 0; j < bound; j += L) {
                FloatVector e = Exp.exp(FloatVector.fromArray(S, buf, j).sub(max));
                sv = sv.add(e);
                e.intoArray(buf, j);
            }
            double sum = sv.reduceLanes(VectorOperators.ADD);
            for (; j < vocab; j++) {
                buf[j] = (float) Math.exp(buf[j] - max);
                sum += buf[j];
            }
            loss += w * (Math.log(sum) + max - target);
            if (!backward) continue;
            float factor = (float) (w / (weightSum * sum));
            for (j = 0; j < bound; j += L) FloatVector.fromArray(S, buf, j).mul(factor).intoArray(buf, j);
            for (; j < vocab; j++) buf[j] *= factor;
            buf[targets[i]] -= (float) (w / weightSum);
            logits.copyFrom(buf, i * vocab, vocab);
        }
        return loss;
    }

    /** The same formulas in double, element by element (fp64 gradient checks). */
    private double rowsF64(Dense l, int from, int to, int[] targets, double[] weights, double weightSum, boolean backward) {
        double loss = 0;
        for (int i = from; i < to; i++) {
            int o = i * vocab;
            double w = weights[i];
            if (w == 0) {
                if (backward) for (int j = 0; j < vocab; j++) l.set(o + j, 0);
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) max = Math.max(max, l.get(o + j));
            double target = l.get(o + targets[i]);
            double sum = 0;
            for (int j = 0; j < vocab; j++) sum += Math.exp(l.get(o + j) - max);
            loss += w * (Math.log(sum) + max - target);
            if (!backward) continue;
            double factor = w / (weightSum * sum);
            for (int j = 0; j < vocab; j++) l.set(o + j, Math.exp(l.get(o + j) - max) * factor);
            l.add(o + targets[i], -w / weightSum);
        }
        return loss;
    }
}
