package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TokenBatch;
import java.util.Iterator;
import java.util.Random;

/**
 * An endless, seeded sequence of fixed-shape micro-batches drawn from the rows of a data set: each epoch visits
 * every row once in an order shuffled by one {@link Random}, and epochs follow each other without a gap (a
 * micro-batch may hold the last rows of one epoch and the first of the next), so no row is dropped. The same data
 * and seed give the same sequence.
 */
public final class ShuffledBatches implements Iterator<TokenBatch> {

    private final TokenBatch rows;
    private final int microBatchSize;
    private final Random random;
    private final int[] order;
    private int position;
    private int epoch;

    /**
     * @param rows           every training sequence, right-padded to one length (weights 0 on padding)
     * @param microBatchSize rows per micro-batch, the graph's batch size
     * @param seed           shuffling seed
     */
    public ShuffledBatches(TokenBatch rows, int microBatchSize, long seed) {
        if (microBatchSize < 1) {
            throw new IllegalArgumentException("micro_batch_size must be >= 1, got " + microBatchSize);
        }
        this.rows = rows;
        this.microBatchSize = microBatchSize;
        this.random = new Random(seed);
        this.order = new int[rows.batchSize()];
        shuffle();
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
        int[][] in = new int[microBatchSize][];
        int[][] out = new int[microBatchSize][];
        double[][] w = new double[microBatchSize][];
        for (int b = 0; b < microBatchSize; b++) {
            if (position == order.length) shuffle();
            if (position == 0) epoch++;
            int r = order[position++];
            in[b] = rows.inputIds()[r].clone();
            out[b] = rows.targetIds()[r].clone();
            w[b] = rows.lossWeights()[r].clone();
        }
        return new TokenBatch(in, out, w);
    }

    /**
     * Moves past the next {@code n} micro-batches without building them: the sequence then continues exactly as if
     * they had been drawn (a resumed run skips what it trained before the checkpoint).
     */
    public void skip(long n) {
        if (n < 0) throw new IllegalArgumentException("cannot skip " + n + " micro-batches");
        for (long rowsLeft = n * microBatchSize; rowsLeft > 0; ) {
            if (position == order.length) shuffle();
            if (position == 0) epoch++;
            int take = (int) Math.min(rowsLeft, order.length - position);
            position += take;
            rowsLeft -= take;
        }
    }

    /** Fisher-Yates with this sequence's Random. */
    private void shuffle() {
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        position = 0;
    }
}
