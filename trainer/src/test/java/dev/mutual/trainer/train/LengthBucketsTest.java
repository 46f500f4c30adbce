package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.BucketLengths;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mutual.trainer.engine.TokenBatch;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Length buckets: every row once per epoch in the shortest bucket that holds it, seeded, skip == draw. */
class LengthBucketsTest {

    private static final BucketLengths LENGTHS = new BucketLengths(new int[] {4, 8, 16, 20});

    /**
     * {@code n} rows of length 20 whose used lengths (one past the last non-zero weight) are random in 1..20: the
     * first id of each row is its index, a prompt of weight 0 comes first, the padding after the used length holds
     * random ids (weight 0).
     */
    static TokenBatch rows(int n, int seqLen, int vocab, long seed) {
        Random rng = new Random(seed);
        int[][] in = new int[n][seqLen], out = new int[n][seqLen];
        double[][] w = new double[n][seqLen];
        for (int r = 0; r < n; r++) {
            int used = 1 + rng.nextInt(seqLen);
            for (int t = 0; t < seqLen; t++) {
                in[r][t] = rng.nextInt(vocab);
                out[r][t] = rng.nextInt(vocab);
                w[r][t] = t < used / 3 || t >= used ? 0 : 1 + rng.nextInt(2);
            }
            w[r][used - 1] = 1;
        }
        return new TokenBatch(in, out, w);
    }

    @Test
    void everyRowOncePerEpochInTheShortestBucketThatHoldsIt() {
        TokenBatch rows = rows(23, 20, 1000, 1);
        for (int r = 0; r < rows.batchSize(); r++) rows.inputIds()[r][0] = r;
        LengthBuckets buckets = new LengthBuckets(rows, 3, LENGTHS, 7);
        int[] sizes = buckets.bucketSizes();
        assertEquals(23, Arrays.stream(sizes).sum());
        assertTrue(Arrays.stream(sizes).allMatch(s -> s > 0), "the data should fill every bucket: " + Arrays.toString(sizes));
        int perEpoch = buckets.batchesPerEpoch();
        assertEquals(Arrays.stream(sizes).map(s -> (s + 2) / 3).sum(), perEpoch);
        for (int epoch = 1; epoch <= 3; epoch++) {
            int[] seen = new int[23];
            int fillers = 0;
            for (int i = 0; i < perEpoch; i++) {
                TokenBatch b = buckets.next();
                assertEquals(epoch, buckets.epoch());
                assertEquals(3, b.batchSize());
                int len = b.seqLen();
                assertTrue(Arrays.stream(LENGTHS.lengths()).anyMatch(l -> l == len), "batch length " + len);
                for (int k = 0; k < 3; k++) {
                    if (Arrays.stream(b.lossWeights()[k]).allMatch(x -> x == 0)) {
                        fillers++;
                        continue;
                    }
                    int r = b.inputIds()[k][0];
                    seen[r]++;
                    int used = BucketLengths.usedLength(rows.lossWeights()[r]);
                    assertEquals(LENGTHS.fit(used), len, "row " + r + " uses " + used);
                    assertArrayEquals(Arrays.copyOf(rows.inputIds()[r], len), b.inputIds()[k]);
                    assertArrayEquals(Arrays.copyOf(rows.targetIds()[r], len), b.targetIds()[k]);
                    assertArrayEquals(Arrays.copyOf(rows.lossWeights()[r], len), b.lossWeights()[k]);
                    assertTrue(b.isUnpacked());
                }
            }
            assertArrayEquals(filled(23, 1), seen, "epoch " + epoch);
            assertEquals(perEpoch * 3 - 23, fillers, "weight-0 rows that fill the last batch of each bucket");
        }
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void sameSeedSameSequenceOtherSeedAnother() {
        TokenBatch rows = rows(30, 20, 50, 2);
        LengthBuckets a = new LengthBuckets(rows, 2, LENGTHS, 3);
        LengthBuckets b = new LengthBuckets(rows, 2, LENGTHS, 3);
        LengthBuckets c = new LengthBuckets(rows, 2, LENGTHS, 4);
        boolean differs = false;
        for (int i = 0; i < 40; i++) {
            TokenBatch x = a.next(), y = b.next(), z = c.next();
            assertTrue(Arrays.deepEquals(x.inputIds(), y.inputIds()) && Arrays.deepEquals(x.lossWeights(), y.lossWeights()),
                    "batch " + i);
            differs |= !Arrays.deepEquals(x.inputIds(), z.inputIds());
        }
        assertTrue(differs, "another seed should give another order");
    }

    /** skip(n) lands where drawing n micro-batches would, across epoch boundaries. */
    @Test
    void skipLandsWhereDrawingWould() {
        TokenBatch rows = rows(11, 20, 50, 3);
        int perEpoch = new LengthBuckets(rows, 3, LENGTHS, 5).batchesPerEpoch();
        for (int n : new int[] {0, 1, 2, perEpoch - 1, perEpoch, perEpoch + 1, 3 * perEpoch + 2}) {
            LengthBuckets drawn = new LengthBuckets(rows, 3, LENGTHS, 5);
            for (int i = 0; i < n; i++) drawn.next();
            LengthBuckets skipped = new LengthBuckets(rows, 3, LENGTHS, 5);
            skipped.skip(n);
            assertEquals(drawn.epoch(), skipped.epoch(), "epoch after " + n);
            for (int i = 0; i < perEpoch + 2; i++) {
                TokenBatch a = drawn.next(), b = skipped.next();
                assertTrue(Arrays.deepEquals(a.inputIds(), b.inputIds()), "batch " + i + " after skipping " + n);
                assertTrue(Arrays.deepEquals(a.lossWeights(), b.lossWeights()));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new LengthBuckets(rows, 3, LENGTHS, 5).skip(-1));
    }

    @Test
    void bucketLengths() {
        assertArrayEquals(new int[] {16, 32, 64, 128, 256, 512}, BucketLengths.powersOfTwo(512).lengths());
        assertArrayEquals(new int[] {16, 32, 64, 100}, BucketLengths.powersOfTwo(100).lengths());
        assertArrayEquals(new int[] {8}, BucketLengths.powersOfTwo(8).lengths());
        assertArrayEquals(new int[] {64, 128, 150}, BucketLengths.multiplesOf(64, 150).lengths());
        assertArrayEquals(new int[] {64, 128}, BucketLengths.multiplesOf(64, 128).lengths());
        assertEquals(8, LENGTHS.fit(5));
        assertEquals(8, LENGTHS.fit(8));
        assertEquals(20, LENGTHS.fit(17));
        assertThrows(IllegalArgumentException.class, () -> LENGTHS.fit(21));
        assertThrows(IllegalArgumentException.class, () -> new BucketLengths(new int[] {8, 8}));
        assertThrows(IllegalArgumentException.class, () -> new BucketLengths(new int[0]));
        assertEquals(1, BucketLengths.usedLength(new double[] {0, 0}));
        assertEquals(3, BucketLengths.usedLength(new double[] {0, 1, 0.5, 0}));
    }

    @Test
    void refusesRowsLongerThanTheLongestBucketAndCutsOnlyWeightZeroPositions() {
        TokenBatch rows = rows(5, 20, 50, 4);
        rows.lossWeights()[2][19] = 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LengthBuckets(rows, 2, new BucketLengths(new int[] {8, 16}), 1));
        assertTrue(e.getMessage().contains("row 2 uses 20 positions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BucketLengths.resize(rows, 19));
        TokenBatch padded = BucketLengths.resize(rows, 23);
        assertEquals(23, padded.seqLen());
        assertEquals(rows.weightSum(), padded.weightSum());
        assertTrue(padded.isUnpacked(), "padding continues the positions of one segment");
        assertEquals(4, new LengthBuckets(rows, 2, LENGTHS, 1).bucketSizes().length);
    }

    /** Rows with only zero weights (a reply lost to truncation) are left out; all of them is an error. */
    @Test
    void leavesOutRowsThatTrainNothing() {
        TokenBatch rows = rows(9, 20, 50, 6);
        for (int r : new int[] {1, 4, 5}) Arrays.fill(rows.lossWeights()[r], 0);
        LengthBuckets buckets = new LengthBuckets(rows, 2, LENGTHS, 1);
        assertEquals(6, Arrays.stream(buckets.bucketSizes()).sum());
        for (int i = 0; i < buckets.batchesPerEpoch(); i++) assertTrue(buckets.next().weightSum() > 0, "batch " + i);
        for (double[] w : rows.lossWeights()) Arrays.fill(w, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LengthBuckets(rows, 2, LENGTHS, 1));
        assertTrue(e.getMessage().contains("nothing to learn"), e.getMessage());
    }
}
