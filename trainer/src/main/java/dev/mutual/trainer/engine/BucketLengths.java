package dev.mutual.trainer.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few sequence lengths that length-bucketed batches are cut to ({@link dev.mutual.trainer.train.LengthBuckets}, and the engine per length
 * of {@link dev.mutual.trainer.eager.BucketedDecoder}), and the cutting itself.
 *
 * <p>A row's used length is one past its last position with a non-zero loss weight. Cutting a causal model's batch
 * after that position changes neither its loss nor its gradients: no earlier position attends to a later one, and
 * the cut positions carry weight 0. Padding with weight-0 positions is exact for the same reason.
 *
 * <p>The default, {@link #powersOfTwo}, doubles from 16 up to seq_len: at most log2(seq_len) engines whose
 * activations together take less than twice the longest's (lengths halve, attention shrinks by four), while a row
 * wastes less than half its bucket. Multiples of 32 would waste less per row but, at seq_len 512, need 16 engines
 * holding about 8x the activations of one ({@link #multiplesOf} gives them when memory allows).
 *
 * @param lengths strictly increasing positive lengths; the last is the longest batch
 */
public record BucketLengths(int[] lengths) {

    public BucketLengths {
        if (lengths.length == 0) throw new IllegalArgumentException("bucket lengths must not be empty");
        lengths = lengths.clone();
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 1 || (i > 0 && lengths[i] <= lengths[i - 1])) {
                throw new IllegalArgumentException("bucket lengths must be positive and increasing, got "
                        + Arrays.toString(lengths));
            }
        }
    }

    /** 16, 32, 64, ... below {@code seqLen}, then {@code seqLen} itself (just {@code seqLen} when it is <= 16). */
    public static BucketLengths powersOfTwo(int seqLen) {
        if (seqLen < 1) throw new IllegalArgumentException("seq_len must be >= 1, got " + seqLen);
        List<Integer> l = new ArrayList<>();
        for (int len = 16; len < seqLen; len *= 2) l.add(len);
        l.add(seqLen);
        return new BucketLengths(l.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * {@code step}, 2 * step, ... below {@code seqLen}, then {@code seqLen}: less padding than {@link #powersOfTwo}
     * (on Dolly open_qa at seq_len 512, steps of 64 compute 1.11 positions per used one, powers of two 1.35, padding
     * to seq_len 1.93), for more engines and more activation memory (steps of 64 up to 512: 4.5x one engine's).
     */
    public static BucketLengths multiplesOf(int step, int seqLen) {
        if (step < 1 || seqLen < 1) throw new IllegalArgumentException("step and seq_len must be >= 1, got " + step + ", " + seqLen);
        List<Integer> l = new ArrayList<>();
        for (int len = step; len < seqLen; len += step) l.add(len);
        l.add(seqLen);
        return new BucketLengths(l.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public int[] lengths() {
        return lengths.clone();
    }

    public int longest() {
        return lengths[lengths.length - 1];
    }

    /** Index of the shortest bucket that holds {@code usedLength} positions. */
    public int bucketOf(int usedLength) {
        for (int i = 0; i < lengths.length; i++) if (lengths[i] >= usedLength) return i;
        throw new IllegalArgumentException("a row uses " + usedLength + " positions, more than the longest bucket ("
                + longest() + ")");
    }

    /** The shortest bucket length that holds {@code usedLength} positions. */
    public int fit(int usedLength) {
        return lengths[bucketOf(usedLength)];
    }

    /** One past the last position with a non-zero weight; 1 for a row of zero weights (it trains nothing). */
    public static int usedLength(double[] weights) {
        for (int t = weights.length - 1; t >= 0; t--) if (weights[t] != 0) return t + 1;
        return 1;
    }

    /** The longest {@link #usedLength} of a batch's rows. */
    public static int usedLength(TokenBatch batch) {
        int max = 1;
        for (double[] w : batch.lossWeights()) max = Math.max(max, usedLength(w));
        return max;
    }

    /**
     * The batch cut to {@code length} positions, or padded to it (id 0, weight 0, positions counting on, last
     * segment): exact for a causal model as long as no position with a non-zero weight is cut.
     */
    public static TokenBatch resize(TokenBatch b, int length) {
        if (length < usedLength(b)) {
            throw new IllegalArgumentException("cannot cut a batch that uses " + usedLength(b) + " positions to "
                    + length);
        }
        if (length == b.seqLen()) return b;
        int rows = b.batchSize();
        int[][] in = new int[rows][], out = new int[rows][], pos = new int[rows][], seg = new int[rows][];
        double[][] w = new double[rows][];
        for (int r = 0; r < rows; r++) {
            in[r] = Arrays.copyOf(b.inputIds()[r], length);
            out[r] = Arrays.copyOf(b.targetIds()[r], length);
            w[r] = Arrays.copyOf(b.lossWeights()[r], length);
            pos[r] = Arrays.copyOf(b.positions()[r], length);
            seg[r] = Arrays.copyOf(b.segments()[r], length);
            for (int t = b.seqLen(); t < length; t++) {
                pos[r][t] = pos[r][t - 1] + 1;
                seg[r][t] = seg[r][t - 1];
            }
        }
        return new TokenBatch(in, out, w, pos, seg);
    }
}
