package dev.mutual.trainer.inference;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sampler's kept sets against a brute-force reading of HF's warpers (full sort), and its draw frequencies
 * against the renormalised probabilities.
 */
class TemperatureSamplerTest {

    /** HF TopK then TopP on a fully sorted copy: the set of ids that can be drawn. */
    static boolean[] reference(float[] logits, double t, int topK, double topP) {
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        float kth = topK > 0 ? logits[order[Math.min(topK, n) - 1]] : Float.NEGATIVE_INFINITY;
        double max = logits[order[0]], total = 0;
        for (float l : logits) if (l >= kth) total += Math.exp((l - max) / t);
        boolean[] keep = new boolean[n];
        double cum = 0;
        for (int r = 0; r < n; r++) {
            int id = order[r];
            if (logits[id] < kth) break;
            if (cum / total >= topP) break; // the mass above already reached p
            keep[id] = true;
            cum += Math.exp((logits[id] - max) / t);
        }
        return keep;
    }

    @Test
    void drawsOnlyFromHfsKeptSetWithMatchingFrequencies() {
        Random data = new Random(5);
        for (int[] setting : new int[][] {{0, 90}, {50, 100}, {7, 80}, {0, 50}, {1000, 97}}) {
            int topK = setting[0];
            double topP = setting[1] / 100.0;
            float[] logits = new float[1500];
            for (int i = 0; i < logits.length; i++) logits[i] = (float) (data.nextGaussian() * 2);
            logits[17] = logits[3]; // a tie
            double t = 0.7;
            boolean[] keep = reference(logits, t, topK, topP);
            TemperatureSampler s = new TemperatureSampler(t, topK, topP);
            double max = Double.NEGATIVE_INFINITY, mass = 0;
            for (float l : logits) max = Math.max(max, l);
            for (int i = 0; i < logits.length; i++) if (keep[i]) mass += Math.exp((logits[i] - max) / t);
            int[] counts = new int[logits.length];
            Random rng = new Random(1);
            int draws = 4000;
            for (int d = 0; d < draws; d++) counts[s.sample(logits, rng)]++;
            for (int i = 0; i < logits.length; i++) {
                if (!keep[i]) {
                    assertEquals(0, counts[i], "id " + i + " is outside the kept set (k=" + topK + ", p=" + topP + ")");
                    continue;
                }
                double p = Math.exp((logits[i] - max) / t) / mass;
                // binomial standard deviation, 5 sigma
                assertTrue(Math.abs(counts[i] - p * draws) <= 5 * Math.sqrt(draws * p * (1 - p)) + 1,
                        "id " + i + ": " + counts[i] + " draws, expected " + p * draws);
            }
        }
    }

    @Test
    void kthLargestMatchesSorting() {
        Random r = new Random(8);
        float[] v = new float[1001];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(50); // many ties
        float[] sorted = v.clone();
        Arrays.sort(sorted);
        for (int k : new int[] {1, 2, 10, 500, 1001}) assertEquals(sorted[v.length - k], TemperatureSampler.kthLargest(v, k));
        // the heap path (k <= 1024 and k <= n / 8) on a vocabulary-sized row with ties
        float[] row = new float[32000];
        for (int i = 0; i < row.length; i++) row[i] = r.nextInt(3000) / 7f;
        float[] rowSorted = row.clone();
        Arrays.sort(rowSorted);
        for (int k : new int[] {1, 7, 256, 1024, 1025, 4096}) assertEquals(rowSorted[row.length - k], TemperatureSampler.kthLargest(row, k), "k " + k);
    }

    /** The primitive-key sort orders candidates exactly as a comparator on (logit descending, id) does. */
    @Test
    void candidatesAreInTheComparatorsOrder() {
        Random r = new Random(9);
        float[] special = {0.0f, -0.0f, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE,
                -Float.MIN_VALUE, 1f, -1f, 2f, -2f};
        for (int trial = 0; trial < 40; trial++) {
            float[] logits = new float[1500];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = r.nextInt(3) == 0 ? special[r.nextInt(special.length)] : (float) (r.nextGaussian() * 3);
            }
            int m = 1 + r.nextInt(logits.length);
            float floor = trial % 2 == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
            float cut = Math.max(m == logits.length ? Float.NEGATIVE_INFINITY : TemperatureSampler.kthLargest(logits, m), floor);
            Integer[] ids = java.util.stream.IntStream.range(0, logits.length).filter(i -> logits[i] >= cut).boxed().toArray(Integer[]::new);
            Arrays.sort(ids, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            int[] expected = Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, TemperatureSampler.candidates(logits, m, floor), "trial " + trial);
        }
    }
}
