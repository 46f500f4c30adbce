package dev.mutual.experiments.main;

import java.util.Arrays;
import java.util.Comparator;

/** Ranks for the rank statistics ({@link Auroc}, {@link Spearman}). */
final class Ranks {

    private Ranks() {}

    /**
     * 1-based ranks of {@code values} in ascending order, tied values sharing the average of the ranks they span
     * (so [5, 7, 7, 9] ranks [1, 2.5, 2.5, 4]).
     *
     * @throws IllegalArgumentException for a NaN (it has no place in an order)
     */
    static double[] average(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            if (Double.isNaN(values[i])) throw new IllegalArgumentException("value " + i + " is NaN: it cannot be ranked");
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start + 1;
            while (end < order.length && values[order[end]] == values[order[start]]) end++;
            double rank = (start + 1 + end) / 2.0; // the mean of ranks start+1 .. end
            for (int k = start; k < end; k++) ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }
}
