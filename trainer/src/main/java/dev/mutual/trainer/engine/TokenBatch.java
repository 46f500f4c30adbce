package dev.mutual.trainer.engine;

import java.util.Arrays;

/**
 * One training batch: {@code [batch][seqLen]} input ids, next-token targets, per-token loss weights, and for packed
 * rows the RoPE position and the example (segment) of each position. A weight of 0 removes a token from the loss
 * (prompt tokens, right padding); MAIN's weighted retraining uses other non-negative values.
 *
 * <p>Packing: a row may hold several examples one after another. A position attends only to earlier positions of
 * the same segment (causal and block-diagonal), and positions restart at 0 for each example, so every example
 * sees exactly what it would see alone. Segments of a row are contiguous: ids never decrease along a row. The
 * 3-argument constructor gives the unpacked layout: one segment per row, position {@code t} at index {@code t}.
 *
 * @param inputIds    {@code [batch][seqLen]} token ids fed to the model
 * @param targetIds   {@code [batch][seqLen]} the token expected after each input position
 * @param lossWeights {@code [batch][seqLen]} non-negative weights; their sum normalises the loss
 * @param positions   {@code [batch][seqLen]} RoPE position ids, >= 0
 * @param segments    {@code [batch][seqLen]} which example of its row a position belongs to, non-decreasing
 */
public record TokenBatch(int[][] inputIds, int[][] targetIds, double[][] lossWeights, int[][] positions,
                         int[][] segments) {

    public TokenBatch {
        if (inputIds.length == 0 || inputIds[0].length == 0) {
            throw new IllegalArgumentException("a batch needs at least one sequence of at least one token");
        }
        int seqLen = inputIds[0].length;
        if (targetIds.length != inputIds.length || lossWeights.length != inputIds.length
                || positions.length != inputIds.length || segments.length != inputIds.length) {
            throw new IllegalArgumentException("inputIds, targetIds, lossWeights, positions and segments must have the "
                    + "same batch size, got " + inputIds.length + ", " + targetIds.length + ", " + lossWeights.length
                    + ", " + positions.length + ", " + segments.length);
        }
        for (int b = 0; b < inputIds.length; b++) {
            if (inputIds[b].length != seqLen || targetIds[b].length != seqLen || lossWeights[b].length != seqLen
                    || positions[b].length != seqLen || segments[b].length != seqLen) {
                throw new IllegalArgumentException("sequence " + b + " must have length " + seqLen
                        + " in inputIds, targetIds, lossWeights, positions and segments");
            }
            for (int t = 0; t < seqLen; t++) {
                if (!(lossWeights[b][t] >= 0) || Double.isInfinite(lossWeights[b][t])) {
                    throw new IllegalArgumentException("loss weight [" + b + "][" + t
                            + "] must be finite and >= 0, got " + lossWeights[b][t]);
                }
                if (positions[b][t] < 0) {
                    throw new IllegalArgumentException("position [" + b + "][" + t + "] must be >= 0, got "
                            + positions[b][t]);
                }
                if (t > 0 && segments[b][t] < segments[b][t - 1]) {
                    throw new IllegalArgumentException("segment [" + b + "][" + t + "] = " + segments[b][t]
                            + " is below the previous position's " + segments[b][t - 1]
                            + ": an example's positions must be contiguous in its row");
                }
            }
        }
    }

    /** An unpacked batch: one example per row, position {@code t} at index {@code t}. */
    public TokenBatch(int[][] inputIds, int[][] targetIds, double[][] lossWeights) {
        this(inputIds, targetIds, lossWeights, defaultPositions(inputIds), new int[inputIds.length][rowLength(inputIds)]);
    }

    private static int rowLength(int[][] ids) {
        return ids.length == 0 ? 0 : ids[0].length;
    }

    private static int[][] defaultPositions(int[][] ids) {
        int[][] p = new int[ids.length][rowLength(ids)];
        for (int[] row : p) Arrays.setAll(row, t -> t);
        return p;
    }

    /** Next-token batch from rows of ids: input {@code ids[0..n-2]}, target {@code ids[1..n-1]}, all weights 1. */
    public static TokenBatch nextToken(int[][] ids) {
        int b = ids.length;
        int t = ids[0].length - 1;
        int[][] in = new int[b][t];
        int[][] out = new int[b][t];
        double[][] w = new double[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids[i], 0, in[i], 0, t);
            System.arraycopy(ids[i], 1, out[i], 0, t);
            Arrays.fill(w[i], 1.0);
        }
        return new TokenBatch(in, out, w);
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int seqLen() {
        return inputIds[0].length;
    }

    /** True when every row is one segment with positions 0, 1, 2, ...: the layout of an unpacked batch. */
    public boolean isUnpacked() {
        for (int b = 0; b < inputIds.length; b++) {
            for (int t = 0; t < seqLen(); t++) {
                if (positions[b][t] != t || segments[b][t] != segments[b][0]) return false;
            }
        }
        return true;
    }

    /** Sum of the loss weights: the loss's denominator. */
    public double weightSum() {
        double s = 0;
        for (double[] row : lossWeights) for (double w : row) s += w;
        return s;
    }
}
