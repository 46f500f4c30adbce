package dev.mutual.data.prepare;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * MinHash and LSH on constructed near-duplicates of known Jaccard similarity. A text of N distinct words has N-4
 * 5-word shingles; a copy whose words from position m on are replaced by new words shares the m-4 shingles that
 * lie inside the first m words, so J = (m-4) / (2(N-4) - (m-4)).
 */
class MinHashTest {
    static final int N = 104; // 100 shingles per text

    /** N distinct words; words from position {@code keep} on are unique to {@code variant}. */
    static String text(int doc, int keep, int variant) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < N; i++) s.append(i < keep ? "d" + doc + "w" + i : "d" + doc + "v" + variant + "w" + i).append(i % 9 == 8 ? ". " : " ");
        return s.toString();
    }

    /** The m that gives Jaccard closest to j for 100 shingles: (m-4)/(200-(m-4)) = j. */
    static int keepFor(double j) {
        return (int) Math.round(200 * j / (1 + j)) + 4;
    }

    private static double exactJaccard(Set<String> a, Set<String> b) {
        Set<String> both = new HashSet<>(a);
        both.retainAll(b);
        return (double) both.size() / (a.size() + b.size() - both.size());
    }

    @Test
    void bandsAndRowsMatchTheReferenceOptimum() {
        // Reference: the same criterion evaluated in Python/numpy with 20,001-point trapezoids (datasketch's rule).
        assertEquals(new LshBands(9, 13), LshBands.forThreshold(0.8, 128));
        assertEquals(new LshBands(25, 5), LshBands.forThreshold(0.5, 128));
        assertEquals(new LshBands(8, 8), LshBands.forThreshold(0.7, 64));
        assertEquals(new LshBands(9, 28), LshBands.forThreshold(0.9, 256));
        LshBands b = new LshBands(9, 13);
        assertEquals(0.398844, b.candidateProbability(0.8), 1e-6);
        assertEquals(0.001098, b.candidateProbability(0.5), 1e-6);
        assertEquals(0.998469, b.candidateProbability(0.95), 1e-6);
    }

    @Test
    void constructedPairsHaveTheirDesignedJaccardAndMinHashEstimatesIt() {
        MinHash minHash = new MinHash(128, 5, 1);
        for (double j : new double[] {0.3, 0.5, 0.8, 0.95}) {
            int keep = keepFor(j);
            String a = text(1, keep, 1);
            String b = text(1, keep, 2);
            double exact = exactJaccard(minHash.shingles(a), minHash.shingles(b));
            assertEquals((keep - 4.0) / (200 - (keep - 4.0)), exact, 1e-12);
            assertEquals(j, exact, 0.01);
            // 128 permutations: standard error sqrt(J(1-J)/128) <= 0.045; allow 4 of them.
            assertEquals(exact, MinHash.estimatedJaccard(minHash.signature(a), minHash.signature(b)), 0.18);
        }
        assertArrayEquals(minHash.signature("Same text, same seed."), new MinHash(128, 5, 1).signature("same TEXT same seed"));
    }

    @Test
    void lshCandidateRateFollowsTheSCurve() {
        MinHash minHash = new MinHash(128, 5, 7);
        LshBands lsh = LshBands.forThreshold(0.8, 128);
        int pairs = 300;
        for (double j : new double[] {0.6, 0.8, 0.9}) {
            int candidates = 0;
            for (int doc = 0; doc < pairs; doc++) {
                long[] a = minHash.signature(text(doc, keepFor(j), 1));
                long[] b = minHash.signature(text(doc, keepFor(j), 2));
                if (shareABand(a, b, lsh)) candidates++;
            }
            double p = lsh.candidateProbability(j);
            double tolerance = 4 * Math.sqrt(p * (1 - p) / pairs) + 0.01;
            assertEquals(p, (double) candidates / pairs, tolerance, "J=" + j);
        }
    }

    private static boolean shareABand(long[] a, long[] b, LshBands lsh) {
        for (int band = 0; band < lsh.bands(); band++) {
            boolean all = true;
            for (int r = band * lsh.rows(); r < (band + 1) * lsh.rows(); r++) all &= a[r] == b[r];
            if (all) return true;
        }
        return false;
    }

    @Test
    void shortTextsAreOneShingle() {
        MinHash m = new MinHash(16, 5, 1);
        assertEquals(Set.of("what is the meaning"), m.shingles("What is the meaning?"));
        assertEquals(Set.of("a b c d e", "b c d e f"), m.shingles("A, b; c d e f."));
        assertEquals(Set.of(), m.shingles("\uD83D\uDE00 !!"));
    }
}
