package dev.mutual.experiments.main;

/**
 * MAIN, "Mutual Alignment Is Necessary for instruction tuning": the quality of an instruction-response pair lies in
 * how well the two fit each other. This class is the method in one place: its formulas (below) and, in
 * {@code MainPlan}, the loop that turns a recipe's {@code main:} block into the stages that do the heavy work.
 *
 * <p>Seed pairs (x, y) and unlabelled responses y'. A forward model p(y|x) and a reverse model p(x|y) are trained on
 * the seed. Each round (EM-style): the reverse model writes k candidate instructions x̂ for every y' (E-step, with the
 * filter below), each pair is scored in both directions against the unconditional likelihood, the pairs both
 * directions support are kept, and both models are retrained on seed + kept pairs with weights that balance synthetic
 * against seed data and trust synthetic data more as rounds go on (M-step). The final forward model is the product.
 */
public final class MainMethod {

    private MainMethod() {}

    // ---- Scoring: how well an instruction and a response fit, each way ----

    /**
     * Forward support: how much the instruction raises the likelihood of the response, per response token,
     * [log p(y'|x̂) − log p(y')] / |y'| (a length-normalised pointwise mutual information, in nats per token).
     */
    public static double forwardPmi(double logpResponseGivenInstruction, double logpResponse, int responseTokens) {
        return (logpResponseGivenInstruction - logpResponse) / responseTokens;
    }

    /** Reverse support: [log p(x̂|y') − log p(x̂)] / |x̂|, how much the response raises the likelihood of the instruction. */
    public static double reversePmi(double logpInstructionGivenResponse, double logpInstruction, int instructionTokens) {
        return (logpInstructionGivenResponse - logpInstruction) / instructionTokens;
    }

    /** One number for a pair's mutual fit, for ranking and weighting: the two supports added. */
    public static double mutual(double forwardPmi, double reversePmi) {
        return forwardPmi + reversePmi;
    }

    /**
     * The forward-only baseline's score, instruction-following difficulty (Li et al. 2024, "From Quantity to
     * Quality"): the response's loss with the instruction over its loss alone, L(y'|x̂) / L(y'), with L the mean
     * negative log-likelihood per token. Below 1 the instruction helps; lower is better aligned.
     */
    public static double ifd(double logpResponseGivenInstruction, double logpResponse) {
        return logpResponseGivenInstruction / logpResponse;
    }

    // ---- Weighting: how much each kept synthetic pair counts in retraining (seed pairs weigh 1) ----

    /** How the synthetic pairs of a round are weighted against the seed pairs. */
    public enum Weighting {
        /** Every synthetic pair weighs 1, as a seed pair does. */
        CONSTANT,
        /** Synthetic pairs together carry {@code synthetic_share} of all the weight, equally. */
        SIZE_BALANCED,
        /** The same total as SIZE_BALANCED, spread by a softmax of the pairs' mutual scores at a temperature. */
        SCORE_SOFTMAX,
        /** SCORE_SOFTMAX with a share that grows with the round: synthetic data is trusted more as the models improve. */
        ROUND_RAMP
    }

    /**
     * The share of all training weight that synthetic pairs carry in {@code round} of {@code rounds}: the recipe's
     * {@code share}, except that ROUND_RAMP grows it linearly, share × round / rounds (so round 1 of 3 trusts synthetic
     * data a third as much as the last round).
     */
    public static double syntheticShare(Weighting mode, double share, int round, int rounds) {
        return mode == Weighting.ROUND_RAMP ? share * round / rounds : share;
    }

    /**
     * The loss weight of each kept synthetic pair, given the seed size (each seed pair weighs 1).
     *
     * @param scores      the pairs' mutual scores (used by SCORE_SOFTMAX and ROUND_RAMP)
     * @param seedPairs   how many seed pairs train beside them
     * @param share       the synthetic share of all weight, in (0, 1) (see {@link #syntheticShare})
     * @param temperature softmax temperature: large spreads weight evenly, small gives it to the best pairs
     */
    public static double[] syntheticWeights(Weighting mode, double[] scores, int seedPairs, double share, double temperature) {
        int n = scores.length;
        double[] w = new double[n];
        if (n == 0) return w;
        if (mode == Weighting.CONSTANT) {
            java.util.Arrays.fill(w, 1.0);
            return w;
        }
        // total synthetic weight T with T / (T + seedPairs) = share
        double total = share / (1 - share) * seedPairs;
        if (mode == Weighting.SIZE_BALANCED) {
            java.util.Arrays.fill(w, total / n);
            return w;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) max = Math.max(max, s);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp((scores[i] - max) / temperature);
            sum += w[i];
        }
        for (int i = 0; i < n; i++) w[i] = total * w[i] / sum;
        return w;
    }
}
