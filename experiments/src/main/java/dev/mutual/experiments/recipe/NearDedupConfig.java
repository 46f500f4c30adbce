package dev.mutual.experiments.recipe;

/**
 * Near-duplicate removal by MinHash over character shingles (Broder 1997), as in the Humpback/LIMA data
 * cleaning: two examples whose estimated Jaccard similarity reaches {@code threshold} keep only the first.
 *
 * @param enabled     run it
 * @param shingleSize characters per shingle
 * @param numPerm     hash permutations; the similarity estimate's standard error is about 1/sqrt(numPerm)
 * @param threshold   estimated Jaccard similarity at or above which two examples are duplicates
 * @param seed        seed of the permutations, or null for the recipe's seed
 */
public record NearDedupConfig(
        @Default("false") boolean enabled,
        @Default("5") int shingleSize,
        @Default("128") int numPerm,
        @Default("0.8") double threshold,
        @Default("null") Long seed) {

    public NearDedupConfig {
        if (shingleSize <= 0) throw new IllegalArgumentException("shingle_size must be positive, found " + shingleSize);
        if (numPerm <= 0) throw new IllegalArgumentException("num_perm must be positive, found " + numPerm);
        if (!(threshold > 0 && threshold <= 1)) throw new IllegalArgumentException("threshold must be in (0, 1], found " + threshold);
    }
}
