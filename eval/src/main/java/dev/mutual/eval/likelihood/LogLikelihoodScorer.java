package dev.mutual.eval.likelihood;

import java.util.List;

/**
 * The scoring hook: log-likelihoods of continuations given contexts. The trainer's scorer implements it;
 * scores computed elsewhere come in through {@link ScoresFile}.
 */
@FunctionalInterface
public interface LogLikelihoodScorer {
    /** One score per request, in order. */
    List<ContinuationScore> score(List<ScoringRequest> requests);
}
