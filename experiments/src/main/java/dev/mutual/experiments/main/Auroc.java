package dev.mutual.experiments.main;

/**
 * The area under the ROC curve of a score at telling positives (label 1) from negatives (label 0): the probability
 * that a random positive scores above a random negative, ties counting one half. Computed from ranks as the
 * Mann-Whitney U statistic over n1 n0, U = (sum of the positives' ranks) - n1 (n1 + 1) / 2, ties given average
 * ranks; O(n log n).
 */
public final class Auroc {

    private Auroc() {}

    /**
     * @param scores higher = more likely a positive
     * @param labels 1 for a positive, 0 for a negative, one per score
     * @throws IllegalArgumentException without a positive or a negative, for a label other than 0/1 or a NaN score
     */
    public static double of(double[] scores, int[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
        }
        double[] ranks = Ranks.average(scores);
        long positives = 0;
        double rankSum = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) throw new IllegalArgumentException("label " + i + " is " + labels[i] + "; expected 0 or 1");
            if (labels[i] == 1) {
                positives++;
                rankSum += ranks[i];
            }
        }
        long negatives = labels.length - positives;
        if (positives == 0 || negatives == 0) {
            throw new IllegalArgumentException("AUROC needs positives and negatives; found " + positives + " and " + negatives);
        }
        double u = rankSum - positives * (positives + 1) / 2.0;
        return u / ((double) positives * negatives);
    }
}
