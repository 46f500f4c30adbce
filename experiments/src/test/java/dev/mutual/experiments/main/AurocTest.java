package dev.mutual.experiments.main;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Auroc} against hand-checked cases and the O(n^2) definition, ties included. */
class AurocTest {

    /** The definition: the share of (positive, negative) pairs where the positive scores higher, ties one half. */
    private static double bruteForce(double[] scores, int[] labels) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.length; i++) {
            if (labels[i] != 1) continue;
            for (int j = 0; j < scores.length; j++) {
                if (labels[j] != 0) continue;
                pairs++;
                if (scores[i] > scores[j]) wins += 1;
                else if (scores[i] == scores[j]) wins += 0.5;
            }
        }
        return wins / pairs;
    }

    @Test
    void handCheckedCases() {
        assertEquals(1.0, Auroc.of(new double[] {3, 4, 1, 2}, new int[] {1, 1, 0, 0}), "perfect separation");
        assertEquals(0.0, Auroc.of(new double[] {1, 2, 3, 4}, new int[] {1, 1, 0, 0}), "perfectly reversed");
        assertEquals(0.5, Auroc.of(new double[] {7, 7, 7, 7}, new int[] {1, 0, 1, 0}), "all tied");
        // positives {0.9, 0.5}, negatives {0.5, 0.1, 0.7}: pairs won 3 + (1 tie = 0.5) + 1 = 4.5 of 6
        assertEquals(0.75, Auroc.of(new double[] {0.9, 0.5, 0.5, 0.1, 0.7}, new int[] {1, 1, 0, 0, 0}), 1e-15);
        // positives {2}, negatives {1, 2, 3}: 1 win + 0.5 tie of 3
        assertEquals(0.5, Auroc.of(new double[] {2, 1, 2, 3}, new int[] {1, 0, 0, 0}), 1e-15);
    }

    @Test
    void equalsTheDefinitionOnRandomScoresWithManyTies() {
        Random random = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + random.nextInt(60);
            double[] scores = new double[n];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                scores[i] = trial % 2 == 0 ? random.nextInt(5) : random.nextGaussian(); // few distinct values: ties
                labels[i] = random.nextInt(2);
            }
            labels[0] = 1;
            labels[1] = 0;
            assertEquals(bruteForce(scores, labels), Auroc.of(scores, labels), 1e-12, "trial " + trial);
        }
    }

    @Test
    void averageRanksShareTies() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Ranks.average(new double[] {5, 7, 7, 9}));
        assertArrayEquals(new double[] {4, 2, 2, 2}, Ranks.average(new double[] {9, 1, 1, 1}));
    }

    @Test
    void refusesWhatItCannotRank() {
        assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[] {1, 2}, new int[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[] {1, Double.NaN}, new int[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[] {1, 2}, new int[] {1, 2}));
    }
}
