package dev.mutual.eval.likelihood;

import dev.mutual.data.Progress;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalSample;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns continuation scores into evaluations: multiple choice ({@code acc}, {@code acc_norm}) and held-out
 * likelihood ({@link HeldOutLikelihood}). Scores come from a {@link LogLikelihoodScorer} or a {@link ScoresFile}.
 */
public final class LikelihoodEvaluator {
    private static final Logger log = LoggerFactory.getLogger(LikelihoodEvaluator.class);
    /** Requests per scorer call: large enough to batch, small enough to report progress. */
    static final int CHUNK = 64;
    public static final int VERSION = 1;

    private LikelihoodEvaluator() {}

    /** Scores every request with {@code scorer}, in chunks, logging done/total, rate and ETA. */
    public static List<ContinuationScore> scoreAll(List<ScoringRequest> requests, LogLikelihoodScorer scorer) {
        List<ContinuationScore> out = new ArrayList<>(requests.size());
        Progress progress = new Progress(log, "likelihood", requests.size(), "requests scored", 5000);
        for (int from = 0; from < requests.size(); from += CHUNK) {
            List<ScoringRequest> chunk = requests.subList(from, Math.min(requests.size(), from + CHUNK));
            List<ContinuationScore> scored = scorer.score(chunk);
            if (scored.size() != chunk.size()) {
                throw new IllegalStateException("scorer returned " + scored.size() + " scores for " + chunk.size() + " requests");
            }
            out.addAll(scored);
            progress.update(out.size());
        }
        progress.finish();
        return out;
    }

    public static EvalOutcome multipleChoice(String benchmark, List<MultipleChoiceItem> items, LogLikelihoodScorer scorer,
                                             EvalResult.RunInfo run) {
        List<ScoringRequest> requests = ScoresFile.requests(items).stream().map(ScoresFile.LabelledRequest::request).toList();
        return multipleChoice(benchmark, items, scoreAll(requests, scorer), run);
    }

    /** {@code scores} holds one score per choice, items in order, choices in order (as {@link ScoresFile#requests}). */
    public static EvalOutcome multipleChoice(String benchmark, List<MultipleChoiceItem> items, List<ContinuationScore> scores,
                                             EvalResult.RunInfo run) {
        List<EvalSample> samples = new ArrayList<>();
        double acc = 0, accNorm = 0;
        int k = 0;
        for (MultipleChoiceItem item : items) {
            double[] lls = new double[item.choices().size()];
            List<Boolean> greedy = new ArrayList<>();
            for (int c = 0; c < lls.length; c++) {
                if (k >= scores.size()) throw new IllegalArgumentException("fewer scores (" + scores.size() + ") than choices");
                lls[c] = scores.get(k).logProb();
                greedy.add(scores.get(k++).greedy());
            }
            MultipleChoiceVerdict v = MultipleChoiceVerdict.of(item, lls);
            acc += v.acc();
            accNorm += v.accNorm();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("choices", item.choices());
            details.put("gold", item.gold());
            details.put("loglikelihoods", lls);
            details.put("greedy", greedy);
            details.put("pred", v.pred());
            details.put("pred_norm", v.predNorm());
            samples.add(new EvalSample(item.id(), item.context(), item.choices().get(v.pred()),
                    Map.of("acc", v.acc(), "acc_norm", v.accNorm()), details));
        }
        if (k != scores.size()) throw new IllegalArgumentException(scores.size() + " scores for " + k + " choices");
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("acc", acc / items.size());
        metrics.put("acc_norm", accNorm / items.size());
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("target_delimiter", " ");
        settings.put("acc_norm_length", "characters of the choice");
        return new EvalOutcome(new EvalResult(benchmark, VERSION, metrics, "acc", items.size(), run, settings), samples);
    }

    public static EvalOutcome heldOut(String benchmark, List<HeldOutItem> items, LogLikelihoodScorer scorer,
                                      EvalResult.RunInfo run) {
        return heldOut(benchmark, items, scoreAll(items.stream().map(HeldOutItem::request).toList(), scorer), run);
    }

    /** {@code scores.get(i)} scores the response of {@code items.get(i)}. */
    public static EvalOutcome heldOut(String benchmark, List<HeldOutItem> items, List<ContinuationScore> scores,
                                      EvalResult.RunInfo run) {
        Map<String, Double> metrics = HeldOutLikelihood.summary(items, scores);
        List<EvalSample> samples = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            ContinuationScore s = scores.get(i);
            samples.add(new EvalSample(items.get(i).id(), items.get(i).prompt(), items.get(i).response(),
                    HeldOutLikelihood.itemScores(s), Map.of("tokens", s.tokens(), "greedy", s.greedy())));
        }
        return new EvalOutcome(new EvalResult(benchmark, VERSION, metrics, HeldOutLikelihood.LOGLIK_PER_TOKEN, items.size(),
                run, Map.of("perplexity", "exp(-sum loglik / sum tokens)", "bits_per_byte", "-sum loglik / (ln 2 * sum UTF-8 bytes)")),
                samples);
    }
}
