package dev.mutual.eval.likelihood;

/**
 * A scorer's answer to one {@link ScoringRequest}.
 *
 * @param logProb sum of natural-log probabilities of the continuation's tokens (&lt;= 0)
 * @param tokens  number of continuation tokens summed over (&gt;= 1)
 * @param greedy  whether greedy decoding from the context would produce exactly the continuation
 */
public record ContinuationScore(double logProb, int tokens, boolean greedy) {
    public ContinuationScore {
        // a sum of log-probabilities cannot be positive; allow float round-off of a near-certain continuation
        if (!Double.isFinite(logProb) || logProb > 1e-4) {
            throw new IllegalArgumentException("log-probability must be a finite number <= 0, got " + logProb);
        }
        if (tokens < 1) throw new IllegalArgumentException("tokens must be >= 1, got " + tokens);
    }
}
