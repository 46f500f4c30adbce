package dev.mutual.data.prepare;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * MinHash signatures of word shingles (Broder 1997): for each of {@code numPerm} seeded hash functions, the minimum
 * hash over the text's shingles. Two signatures agree at a position with probability equal to the Jaccard
 * similarity of the two shingle sets, so the fraction of agreeing positions estimates it.
 * The hash functions are {@code mix64(h(shingle) ^ salt_i)} with salts drawn from {@code seed}: deterministic.
 */
public final class MinHash implements java.io.Serializable {
    private final int shingleSize;
    private final long[] salts;

    public MinHash(int numPerm, int shingleSize, long seed) {
        this.shingleSize = shingleSize;
        this.salts = new long[numPerm];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < numPerm; i++) salts[i] = random.nextLong();
    }

    public int numPerm() {
        return salts.length;
    }

    /**
     * The text's shingles: every run of {@code shingleSize} consecutive words (lower-cased, punctuation dropped),
     * joined by spaces; a text with fewer words has one shingle, all its words; a text without words has none.
     */
    public Set<String> shingles(String text) {
        List<String> words = Words.of(text);
        Set<String> shingles = new LinkedHashSet<>();
        if (words.isEmpty()) return shingles;
        if (words.size() < shingleSize) {
            shingles.add(String.join(" ", words));
            return shingles;
        }
        for (int i = 0; i + shingleSize <= words.size(); i++) {
            shingles.add(String.join(" ", words.subList(i, i + shingleSize)));
        }
        return shingles;
    }

    public long[] signature(String text) {
        return signature(shingles(text));
    }

    /** The signature of a shingle set; all Long.MAX_VALUE for an empty set. */
    public long[] signature(Set<String> shingles) {
        long[] sig = new long[salts.length];
        Arrays.fill(sig, Long.MAX_VALUE);
        for (String shingle : shingles) {
            long h = hash(shingle);
            for (int i = 0; i < sig.length; i++) {
                long v = mix64(h ^ salts[i]);
                if (v < sig[i]) sig[i] = v;
            }
        }
        return sig;
    }

    /** The fraction of positions where two signatures agree: an unbiased estimate of the Jaccard similarity. */
    public static double estimatedJaccard(long[] a, long[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) if (a[i] == b[i]) same++;
        return (double) same / a.length;
    }

    /** 64-bit FNV-1a over the UTF-16 chars, then mixed (FNV alone spreads short strings poorly in the high bits). */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix64(h);
    }

    /** The SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijection on longs with full avalanche. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
