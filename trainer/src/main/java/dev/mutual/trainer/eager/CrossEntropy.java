package dev.mutual.trainer.eager;

import dev.mutual.trainer.ops.Softmax;

/**
 * Weighted softmax cross-entropy over {@code [rows, vocab]} logits and, in the same pass, its gradient in place:
 * loss = sum_i w_i (logsumexp(l_i) - l_i[target_i]), d loss / d l_i = w_i / W * (softmax(l_i) - onehot(target_i)).
 *
 * <p>Why not ND4J ops: max, subtract, exp, sum and scale were five native passes over the [N, V] logits (131 MB at
 * V = 32000), about 14 % of a training step. Here each row is read once into a heap buffer (128 KB at V = 32000,
 * it stays in L2), max / exp-sum / scale run on it ({@link Softmax}'s vector paths, e^x by {@code ops.Exp}: within 3
 * ulp of {@code Math.exp}, CrossEntropyTest), and it is written back once; rows are split over the common pool. fp64
 * (the gradient checks) runs {@link Softmax}'s definitions in double with {@code Math.exp}.
 */
final class CrossEntropy {

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
        for (int i = from; i < to; i++) {
            double w = weights[i];
            if (w == 0) {
                if (backward) logits.zero(i * vocab, vocab);
                continue;
            }
            logits.copyTo(i * vocab, buf, vocab);
            float max = Softmax.max(buf, 0, vocab);
            float target = buf[targets[i]];
            double sum = Softmax.exps(buf, 0, vocab, max);                  // buf = e^(l - max)
            loss += w * (Softmax.logSumExp(max, sum) - target);
            if (!backward) continue;
            Softmax.scale(buf, 0, vocab, (float) (w / (weightSum * sum)));  // w / W * softmax
            buf[targets[i]] -= (float) (w / weightSum);
            logits.copyFrom(buf, i * vocab, vocab);
        }
        return loss;
    }

    /** The same formulas in double on a copy of each row ({@link Softmax}'s fp64 definitions; the gradient checks). */
    private double rowsF64(Dense l, int from, int to, int[] targets, double[] weights, double weightSum, boolean backward) {
        double loss = 0;
        double[] row = new double[vocab];
        for (int i = from; i < to; i++) {
            int o = i * vocab;
            double w = weights[i];
            if (w == 0) {
                if (backward) for (int j = 0; j < vocab; j++) l.set(o + j, 0);
                continue;
            }
            for (int j = 0; j < vocab; j++) row[j] = l.get(o + j);
            loss += w * (Softmax.logSumExp(row, 0, vocab) - row[targets[i]]);
            if (!backward) continue;
            Softmax.forward(row, 0, vocab);
            double factor = w / weightSum;
            for (int j = 0; j < vocab; j++) l.set(o + j, row[j] * factor);
            l.add(o + targets[i], -factor);
        }
        return loss;
    }
}
