package dev.mutual.experiments.recipe;

/**
 * Near-duplicate removal with MinHash + LSH over word shingles (Broder 1997): of two examples whose estimated
 * Jaccard similarity reaches {@code threshold}, only the first is kept.
 *
 * @param enabled     run it
 * @param shingleSize words per shingle
 * @param numPerm     MinHash permutations; the similarity estimate's standard error is about 1/sqrt(numPerm)
 * @param threshold   estimated Jaccard similarity at or above which two examples are near duplicates
 * @param seed        seed of the permutations, or null for the recipe's seed
 */
public record NearDedupConfig(
        @Default("true") boolean enabled,
        @Default("5") int shingleSize,
        @Default("128") int numPerm,
        @Default("0.8") double threshold,
        @Default("null") Long seed) {

    // The same bounds as PrepareConfig.NearDedup, checked here so that errors point at the recipe line.
    public NearDedupConfig {
        if (shingleSize < 1) throw new IllegalArgumentException("shingle_size: expected >= 1, found " + shingleSize);
        if (numPerm < 2 || numPerm > 1024) throw new IllegalArgumentException("num_perm: expected 2..1024, found " + numPerm);
        if (!(threshold > 0 && threshold < 1)) throw new IllegalArgumentException("threshold: expected a Jaccard similarity in (0, 1), found " + threshold);
    }
}
