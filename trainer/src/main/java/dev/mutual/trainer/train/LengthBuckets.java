package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.BucketLengths;
import dev.mutual.trainer.engine.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * An endless, seeded sequence of micro-batches cut to the length of their rows (length bucketing): rows go into
 * the shortest bucket of {@link BucketLengths} that holds their used length (one past the last non-zero weight),
 * and each batch is {@code [microBatchSize, bucket length]}, so short examples do not pay for seq_len.
 *
 * <p>Rows without a non-zero weight (a reply cut away by truncation, an example of weight 0) train nothing and are
 * left out: gathered in one bucket they would make whole batches of nothing.
 *
 * <p>Each epoch shuffles the rows of every bucket, cuts each bucket into micro-batches (the last one filled up with
 * rows of weight 0 so every batch keeps its shape; they add nothing to the loss), and shuffles the order of all
 * batches, with one {@link Random}. Every row is trained exactly once per epoch, and an epoch never shares a batch
 * with the next, so an epoch is {@link #batchesPerEpoch} micro-batches (slightly more than rows / micro-batch).
 * The same data and seed give the same sequence; {@link #skip} moves along it without building batches.
 */
public final class LengthBuckets implements Iterator<TokenBatch> {

    private final TokenBatch rows;
    private final int microBatchSize;
    private final BucketLengths lengths;
    private final Random random;
    /** Row indices per bucket, in data order. */
    private final int[][] members;
    /** This epoch's batches: bucket index, then microBatchSize row indices (-1 for a filler row). */
    private int[][] plan = new int[0][];
    private int position;
    private int epoch;

    /**
     * @param rows           every training sequence, right-padded to one length (weights 0 on padding)
     * @param microBatchSize rows per micro-batch
     * @param lengths        the bucket lengths; the longest must hold every row's used length
     * @param seed           shuffling seed
     */
    public LengthBuckets(TokenBatch rows, int microBatchSize, BucketLengths lengths, long seed) {
        if (microBatchSize < 1) {
            throw new IllegalArgumentException("micro_batch_size must be >= 1, got " + microBatchSize);
        }
        this.rows = rows;
        this.microBatchSize = microBatchSize;
        this.lengths = lengths;
        this.random = new Random(seed);
        List<List<Integer>> byBucket = new ArrayList<>();
        for (int i = 0; i < lengths.lengths().length; i++) byBucket.add(new ArrayList<>());
        for (int r = 0; r < rows.batchSize(); r++) {
            if (Arrays.stream(rows.lossWeights()[r]).allMatch(w -> w == 0)) continue;
            int used = BucketLengths.usedLength(rows.lossWeights()[r]);
            if (used > lengths.longest()) {
                throw new IllegalArgumentException("row " + r + " uses " + used
                        + " positions, more than the longest bucket (" + lengths.longest() + ")");
            }
            byBucket.get(lengths.bucketOf(used)).add(r);
        }
        if (byBucket.stream().allMatch(List::isEmpty)) {
            throw new IllegalArgumentException("all " + rows.batchSize() + " rows have only zero loss weights: nothing to learn");
        }
        members = byBucket.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }

    /** Rows in each bucket, shortest bucket first (rows without a non-zero weight are in none). */
    public int[] bucketSizes() {
        return Arrays.stream(members).mapToInt(m -> m.length).toArray();
    }

    /** Micro-batches per epoch: sum over buckets of ceil(rows / micro-batch). */
    public int batchesPerEpoch() {
        int n = 0;
        for (int[] m : members) n += (m.length + microBatchSize - 1) / microBatchSize;
        return n;
    }

    /** Epochs started so far, 1 once the first micro-batch is drawn. */
    public int epoch() {
        return epoch;
    }

    @Override
    public boolean hasNext() {
        return true;
    }

    @Override
    public TokenBatch next() {
        if (position == plan.length) newEpoch();
        int[] batch = plan[position++];
        int len = lengths.lengths()[batch[0]];
        int[][] in = new int[microBatchSize][], out = new int[microBatchSize][], pos = new int[microBatchSize][],
                seg = new int[microBatchSize][];
        double[][] w = new double[microBatchSize][];
        for (int b = 0; b < microBatchSize; b++) {
            int r = batch[b + 1];
            if (r < 0) {   // filler: id 0, weight 0, one segment at positions 0, 1, 2, ...
                in[b] = new int[len];
                out[b] = new int[len];
                w[b] = new double[len];
                seg[b] = new int[len];
                pos[b] = new int[len];
                Arrays.setAll(pos[b], t -> t);
                continue;
            }
            // Copies cut to the bucket length (every position past it has weight 0), or padded when a bucket is
            // longer than the data's rows.
            in[b] = Arrays.copyOf(rows.inputIds()[r], len);
            out[b] = Arrays.copyOf(rows.targetIds()[r], len);
            w[b] = Arrays.copyOf(rows.lossWeights()[r], len);
            pos[b] = Arrays.copyOf(rows.positions()[r], len);
            seg[b] = Arrays.copyOf(rows.segments()[r], len);
            for (int t = rows.seqLen(); t < len; t++) {
                pos[b][t] = pos[b][t - 1] + 1;
                seg[b][t] = seg[b][t - 1];
            }
        }
        return new TokenBatch(in, out, w, pos, seg);
    }

    /**
     * Moves past the next {@code n} micro-batches without building them: the sequence then continues exactly as if
     * they had been drawn (a resumed run skips what it trained before the checkpoint).
     */
    public void skip(long n) {
        if (n < 0) throw new IllegalArgumentException("cannot skip " + n + " micro-batches");
        while (n > 0) {
            if (position == plan.length) newEpoch();
            int take = (int) Math.min(n, plan.length - position);
            position += take;
            n -= take;
        }
    }

    /** Shuffles each bucket's rows, cuts them into batches, shuffles the batches (Fisher-Yates, one Random). */
    private void newEpoch() {
        List<int[]> batches = new ArrayList<>();
        for (int k = 0; k < members.length; k++) {
            int[] order = members[k].clone();
            shuffle(order);
            for (int from = 0; from < order.length; from += microBatchSize) {
                int[] batch = new int[microBatchSize + 1];
                Arrays.fill(batch, -1);
                batch[0] = k;
                for (int b = 0; b < microBatchSize && from + b < order.length; b++) batch[b + 1] = order[from + b];
                batches.add(batch);
            }
        }
        plan = batches.toArray(int[][]::new);
        shuffle(plan);
        position = 0;
        epoch++;
    }

    private void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private void shuffle(int[][] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int[] t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
