package dev.mutual.eval.run;

import dev.mutual.eval.likelihood.ContinuationScore;
import dev.mutual.eval.likelihood.HeldOutItem;
import dev.mutual.eval.likelihood.LikelihoodData;
import dev.mutual.eval.likelihood.LikelihoodEvaluator;
import dev.mutual.eval.likelihood.LogLikelihoodScorer;
import dev.mutual.eval.likelihood.MultipleChoiceItem;
import dev.mutual.eval.likelihood.ScoresFile;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A likelihood run: multiple choice ({@code acc}, {@code acc_norm}) or held-out pairs (log-likelihood per token,
 * perplexity, bits per byte), scored by a {@link LogLikelihoodScorer} or read from a scores file, written as an
 * evaluation directory.
 */
public final class LikelihoodRun {
    private LikelihoodRun() {}

    /**
     * The items of one likelihood data file: exactly one of the two lists is non-null.
     *
     * @param benchmark      the name in results.json
     * @param multipleChoice multiple-choice items (lines with "choices"), or null
     * @param heldOut        held-out (prompt, response) pairs, or null
     */
    public record Items(String benchmark, List<MultipleChoiceItem> multipleChoice, List<HeldOutItem> heldOut) {
        public Items {
            if ((multipleChoice == null) == (heldOut == null)) throw new IllegalArgumentException("expected exactly one kind of item");
        }

        /** The first {@code limit} items of {@code file} (all when limit is 0), of the kind its first line shows. */
        public static Items read(Path file, String benchmark, int limit) {
            if (LikelihoodData.isMultipleChoice(file)) return new Items(benchmark, first(LikelihoodData.readMultipleChoice(file), limit), null);
            return new Items(benchmark, null, first(LikelihoodData.readHeldOut(file), limit));
        }

        public boolean isMultipleChoice() {
            return multipleChoice != null;
        }

        public int size() {
            return isMultipleChoice() ? multipleChoice.size() : heldOut.size();
        }

        /** The scoring requests, one per choice or per held-out response, in item order. */
        public List<ScoresFile.LabelledRequest> requests() {
            return isMultipleChoice() ? ScoresFile.requests(multipleChoice) : ScoresFile.heldOutRequests(heldOut);
        }

        private static <T> List<T> first(List<T> items, int limit) {
            return limit <= 0 || limit >= items.size() ? items : items.subList(0, limit);
        }
    }

    /**
     * Scores every request with {@code scorer} and writes {@code dir}.
     *
     * @param settings added to the evaluator's settings in results.json (model, how text was tokenized, limit)
     */
    public static EvalOutcome score(Items items, LogLikelihoodScorer scorer, Path dir, EvalResult.RunInfo run,
                                    Map<String, Object> settings) {
        EvalOutcome outcome = items.isMultipleChoice()
                ? LikelihoodEvaluator.multipleChoice(items.benchmark(), items.multipleChoice(), scorer, run)
                : LikelihoodEvaluator.heldOut(items.benchmark(), items.heldOut(), scorer, run);
        return outcome.withSettings(settings).writeTo(dir);
    }

    /** {@link #score} from scores computed elsewhere ({@code scores.get(k)} answers request k of {@link Items#requests()}). */
    public static EvalOutcome fromScores(Items items, List<ContinuationScore> scores, Path dir, EvalResult.RunInfo run,
                                         Map<String, Object> settings) {
        EvalOutcome outcome = items.isMultipleChoice()
                ? LikelihoodEvaluator.multipleChoice(items.benchmark(), items.multipleChoice(), scores, run)
                : LikelihoodEvaluator.heldOut(items.benchmark(), items.heldOut(), scores, run);
        return outcome.withSettings(settings).writeTo(dir);
    }
}
