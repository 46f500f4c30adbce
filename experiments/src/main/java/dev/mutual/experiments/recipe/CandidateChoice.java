package dev.mutual.experiments.recipe;

/**
 * Which of the k candidate instructions written for one response a {@code select} or {@code curate} stage looks at;
 * the others are dropped (select says why) or not rated (curate).
 */
public enum CandidateChoice {
    /** The candidate a score_pairs stage flagged {@code best} (by its {@code keep_best} rule). */
    BEST,
    /** Candidate 0, whatever its scores: the k = 1 baselines. */
    FIRST,
    /** Every candidate. */
    ALL
}
