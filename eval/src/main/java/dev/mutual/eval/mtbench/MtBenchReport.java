package dev.mutual.eval.mtbench;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns MT-Bench judgements into an evaluation directory. Metrics: {@code score} (mean rating over all graded
 * turns, FastChat's overall MT-Bench score), {@code score_turn_1}, {@code score_turn_2}, {@code score_CATEGORY}
 * per category, and the counts {@code n_judgements}, {@code n_unparsed}. Unparsed ratings are left out of the
 * means (FastChat drops its -1 scores too) and counted. One sample per (question, turn), id "81-1", whose scores
 * carry the same metric names, so per-sample means equal the summary. Beside results.json, {@code judgments.jsonl}
 * follows FastChat's {@code model_judgment} layout (score -1 when unparsed).
 */
public final class MtBenchReport {
    public static final String BENCHMARK = "mt_bench";
    /** Bump when prompts, parsing or metrics change numbers. */
    public static final int VERSION = 1;
    public static final String JUDGMENTS = "judgments.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private MtBenchReport() {}

    public static EvalResult summarize(List<MtBenchJudgement> judgements, EvalResult.RunInfo run, Map<String, Object> settings) {
        Map<String, double[]> sums = new TreeMap<>();   // metric -> {sum, count}
        int unparsed = 0;
        for (MtBenchJudgement j : judgements) {
            if (j.rating() == null) {
                unparsed++;
                continue;
            }
            for (String metric : metricNames(j)) {
                double[] s = sums.computeIfAbsent(metric, k -> new double[2]);
                s[0] += j.rating();
                s[1]++;
            }
        }
        if (!sums.containsKey("score")) {
            throw new IllegalStateException("none of the " + judgements.size() + " MT-Bench judgements held a [[rating]]; "
                    + "look at " + JUDGMENTS + " (is the judge following the prompt?)");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : sums.entrySet()) metrics.put(e.getKey(), e.getValue()[0] / e.getValue()[1]);
        metrics.put("n_judgements", (double) judgements.size());
        metrics.put("n_unparsed", (double) unparsed);
        return new EvalResult(BENCHMARK, VERSION, metrics, "score", judgements.size(), run, settings);
    }

    public static List<EvalSample> samples(List<MtBenchJudgement> judgements) {
        List<EvalSample> samples = new ArrayList<>(judgements.size());
        for (MtBenchJudgement j : judgements) {
            Map<String, Double> scores = new LinkedHashMap<>();
            if (j.rating() != null) for (String metric : metricNames(j)) scores.put(metric, j.rating());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("question_id", j.questionId());
            details.put("category", j.category());
            details.put("turn", j.turn());
            details.put("judge_prompt", j.promptName());
            details.put("rating", j.rating());
            details.put("parsed", j.rating() != null);
            details.put("judge_reply", j.judgeReply());
            samples.add(new EvalSample(j.questionId() + "-" + j.turn(), j.question(), j.answer(), scores, details));
        }
        return samples;
    }

    /** Writes judgments.jsonl, samples.jsonl, then results.json. */
    public static EvalResult write(Path dir, List<MtBenchJudgement> judgements, String modelId, String judgeModel,
                                   EvalResult.RunInfo run, Map<String, Object> settings) {
        writeJudgments(dir.resolve(JUDGMENTS), judgements, modelId, judgeModel);   // first: kept even if none parsed
        EvalResult result = summarize(judgements, run, settings);
        EvalResultFiles.write(dir, result, samples(judgements));
        return result;
    }

    private static List<String> metricNames(MtBenchJudgement j) {
        return List.of("score", "score_turn_" + j.turn(), "score_" + j.category());
    }

    private static void writeJudgments(Path file, List<MtBenchJudgement> judgements, String modelId, String judgeModel) {
        AtomicFile.write(file, out -> {
            for (MtBenchJudgement j : judgements) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("question_id", j.questionId());
                row.put("model", modelId);
                row.put("judge", List.of(judgeModel, j.promptName()));
                row.put("judgment", j.judgeReply());
                row.put("score", j.rating() == null ? -1 : j.rating());
                row.put("turn", j.turn());
                out.write(JSON.writeValueAsString(row));
                out.write('\n');
            }
        });
    }
}
