package dev.mutual.eval.likelihood;

/**
 * Multiple choice by log-likelihood, as lm-evaluation-harness defines it ({@code ConfigurableTask.process_results},
 * output type multiple_choice): {@code pred = argmax_i ll_i}, {@code pred_norm = argmax_i ll_i / len(choice_i)}
 * where len is the choice's length in characters (Python {@code len} of the string, without the leading space),
 * {@code acc = [pred == gold]}, {@code acc_norm = [pred_norm == gold]}. Ties go to the first choice, as with
 * {@code np.argmax}.
 *
 * @param pred     index with the highest log-likelihood
 * @param predNorm index with the highest log-likelihood per character
 * @param acc      1 when pred is gold, else 0
 * @param accNorm  1 when predNorm is gold, else 0
 */
public record MultipleChoiceVerdict(int pred, int predNorm, double acc, double accNorm) {

    /** The verdict for one item given the summed log-likelihood of each choice's continuation. */
    public static MultipleChoiceVerdict of(MultipleChoiceItem item, double[] logLikelihoods) {
        if (logLikelihoods.length != item.choices().size()) {
            throw new IllegalArgumentException("item " + item.id() + ": " + logLikelihoods.length + " scores for "
                    + item.choices().size() + " choices");
        }
        int pred = 0, predNorm = 0;
        double best = Double.NEGATIVE_INFINITY, bestNorm = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logLikelihoods.length; i++) {
            String choice = item.choices().get(i);
            double norm = logLikelihoods[i] / choice.codePointCount(0, choice.length());
            if (logLikelihoods[i] > best) {
                best = logLikelihoods[i];
                pred = i;
            }
            if (norm > bestNorm) {
                bestNorm = norm;
                predNorm = i;
            }
        }
        return new MultipleChoiceVerdict(pred, predNorm, pred == item.gold() ? 1 : 0, predNorm == item.gold() ? 1 : 0);
    }
}
