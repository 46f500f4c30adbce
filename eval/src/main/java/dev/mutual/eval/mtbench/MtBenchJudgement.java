package dev.mutual.eval.mtbench;

/**
 * The judge's grade for one turn of one answer.
 *
 * @param turn       1 or 2
 * @param promptName the judge prompt used, e.g. "single-math-v1-multi-turn"
 * @param rating     the [[N]] rating in [1, 10], or null when the reply held none (counted as unparsed)
 * @param judgeReply the judge's whole reply (its explanation, then the rating)
 */
public record MtBenchJudgement(int questionId, String category, int turn, String question, String answer,
                               String promptName, Double rating, String judgeReply) {}
