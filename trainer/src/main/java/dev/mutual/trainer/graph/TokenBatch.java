package dev.mutual.trainer.graph;

/**
 * One training batch for {@link DecoderGraph}: {@code [batch][seqLen]} input ids, next-token targets and
 * per-token loss weights. A weight of 0 removes a token from the loss (prompt tokens, right padding); MAIN's
 * weighted retraining uses other non-negative values. Sequences are right-padded: position {@code t} is
 * always RoPE position {@code t}.
 *
 * @param inputIds    {@code [batch][seqLen]} token ids fed to the model
 * @param targetIds   {@code [batch][seqLen]} the token expected after each input position
 * @param lossWeights {@code [batch][seqLen]} non-negative weights; their sum normalises the loss
 */
public record TokenBatch(int[][] inputIds, int[][] targetIds, double[][] lossWeights) {

    public TokenBatch {
        if (inputIds.length == 0 || inputIds[0].length == 0) {
            throw new IllegalArgumentException("a batch needs at least one sequence of at least one token");
        }
        int seqLen = inputIds[0].length;
        if (targetIds.length != inputIds.length || lossWeights.length != inputIds.length) {
            throw new IllegalArgumentException("inputIds, targetIds and lossWeights must have the same batch size, "
                    + "got " + inputIds.length + ", " + targetIds.length + ", " + lossWeights.length);
        }
        for (int b = 0; b < inputIds.length; b++) {
            if (inputIds[b].length != seqLen || targetIds[b].length != seqLen || lossWeights[b].length != seqLen) {
                throw new IllegalArgumentException("sequence " + b + " must have length " + seqLen
                        + " in inputIds, targetIds and lossWeights");
            }
            for (int t = 0; t < seqLen; t++) {
                if (!(lossWeights[b][t] >= 0) || Double.isInfinite(lossWeights[b][t])) {
                    throw new IllegalArgumentException("loss weight [" + b + "][" + t
                            + "] must be finite and >= 0, got " + lossWeights[b][t]);
                }
            }
        }
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
            java.util.Arrays.fill(w[i], 1.0);
        }
        return new TokenBatch(in, out, w);
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int seqLen() {
        return inputIds[0].length;
    }

    /** Sum of the loss weights: the loss's denominator. */
    public double weightSum() {
        double s = 0;
        for (double[] row : lossWeights) for (double w : row) s += w;
        return s;
    }
}
