package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Held-out rows for validation (recipe key {@code eval_fraction}): a seeded choice of rows, cut into batches of
 * the model's shape. Rows keep their order within each part.
 *
 * @param trainRows         the rows left for training
 * @param validationBatches the held-out rows in batches of {@code batchSize}; the last batch is filled up with
 *                          zero-weight copies of one of its rows, which change neither the loss nor its weight
 */
public record ValidationSplit(TokenBatch trainRows, List<TokenBatch> validationBatches) {

    public ValidationSplit {
        validationBatches = List.copyOf(validationBatches);
    }

    /**
     * Holds out {@code round(fraction * rows)} rows (at least 1), chosen by {@code seed}.
     *
     * @param fraction e.g. 0.05; must leave at least one row on each side
     */
    public static ValidationSplit of(TokenBatch rows, double fraction, long seed, int batchSize) {
        int n = rows.batchSize();
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("eval_fraction must be in (0, 1), got " + fraction);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        int held = Math.max(1, (int) Math.round(fraction * n));
        if (held >= n) {
            throw new IllegalArgumentException("eval_fraction " + fraction + " of " + n + " rows leaves no training rows");
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        List<Integer> shuffled = new ArrayList<>(Arrays.asList(order));
        Collections.shuffle(shuffled, new Random(seed));
        boolean[] isHeld = new boolean[n];
        for (int i = 0; i < held; i++) isHeld[shuffled.get(i)] = true;
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        for (int i = 0; i < n; i++) (isHeld[i] ? val : train).add(i);
        List<TokenBatch> batches = new ArrayList<>();
        for (int from = 0; from < val.size(); from += batchSize) {
            List<Integer> part = val.subList(from, Math.min(val.size(), from + batchSize));
            batches.add(select(rows, part, batchSize));
        }
        return new ValidationSplit(select(rows, train, train.size()), batches);
    }

    /**
     * All of {@code rows} (e.g. a separate validation file) in batches of {@code batchSize}, the last one filled up
     * with zero-weight rows as in {@link #of}.
     */
    public static List<TokenBatch> batches(TokenBatch rows, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < rows.batchSize(); i++) all.add(i);
        List<TokenBatch> batches = new ArrayList<>();
        for (int from = 0; from < all.size(); from += batchSize) {
            batches.add(select(rows, all.subList(from, Math.min(all.size(), from + batchSize)), batchSize));
        }
        return batches;
    }

    /**
     * Rows {@code picked} of {@code rows} (positions and segments too, so packed rows stay packed), padded to
     * {@code size} rows with zero-weight copies of the first.
     */
    private static TokenBatch select(TokenBatch rows, List<Integer> picked, int size) {
        int[][] in = new int[size][];
        int[][] out = new int[size][];
        double[][] w = new double[size][];
        int[][] pos = new int[size][];
        int[][] seg = new int[size][];
        for (int i = 0; i < size; i++) {
            int r = picked.get(i < picked.size() ? i : 0);
            in[i] = rows.inputIds()[r].clone();
            out[i] = rows.targetIds()[r].clone();
            w[i] = i < picked.size() ? rows.lossWeights()[r].clone() : new double[rows.seqLen()];
            pos[i] = rows.positions()[r].clone();
            seg[i] = rows.segments()[r].clone();
        }
        return new TokenBatch(in, out, w, pos, seg);
    }
}
