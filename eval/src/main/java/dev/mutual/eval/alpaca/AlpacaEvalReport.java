package dev.mutual.eval.alpaca;

import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns AlpacaEval annotations into an evaluation directory: {@code annotations.json} (alpaca_eval's layout),
 * {@code samples.jsonl} and {@code results.json}. Metrics are alpaca_eval's leaderboard columns ({@link WinRate},
 * {@link LengthControlledWinRate}, avg_length) plus {@code n_unparsed}, the judgements left out because the judge's
 * reply could not be read. Each sample's {@code win_rate} score is 100 * (preference - 1), so its mean over the
 * parsed samples is the summary win rate.
 */
public final class AlpacaEvalReport {
    public static final String BENCHMARK = "alpaca_eval";
    /** Bump when prompts, parsing or metrics change numbers. */
    public static final int VERSION = 1;

    private AlpacaEvalReport() {}

    /** The summary of a set of annotations. */
    public static EvalResult summarize(List<Annotation> annotations, EvalResult.RunInfo run, Map<String, Object> settings) {
        List<Double> preferences = new ArrayList<>(annotations.size());
        double length = 0;
        for (Annotation a : annotations) {
            preferences.add(a.preference());
            length += LengthControlledWinRate.codePoints(a.output2());
        }
        WinRate wr = WinRate.of(preferences);
        if (wr.nTotal() == 0) {
            throw new IllegalStateException("none of the " + annotations.size() + " judgements could be parsed; "
                    + "look at raw_completion in annotations.json (is the judge prompt the right one for this judge?)");
        }
        LengthControlledWinRate lc = LengthControlledWinRate.fit(annotations);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("win_rate", wr.winRate());
        metrics.put("standard_error", wr.standardError());
        metrics.put("discrete_win_rate", wr.discreteWinRate());
        metrics.put("length_controlled_winrate", lc.winRate());
        metrics.put("n_wins", (double) wr.nWins());
        metrics.put("n_wins_base", (double) wr.nWinsBase());
        metrics.put("n_draws", (double) wr.nDraws());
        metrics.put("n_total", (double) wr.nTotal());
        metrics.put("n_unparsed", (double) wr.nUnparsed());
        metrics.put("avg_length", Math.rint(length / annotations.size()));
        Map<String, Object> all = new LinkedHashMap<>(settings);
        all.put("length_controlled_glm", Map.of(
                "formula", "preference ~ tanh(delta_len / sd) + model - 1 (no instruction difficulty, no penalty)",
                "length_coefficient", lc.lengthCoefficient(),
                "model_coefficient", lc.modelCoefficient(),
                "delta_len_sd", lc.deltaLengthSd(),
                "iterations", lc.iterations()));
        return new EvalResult(BENCHMARK, VERSION, metrics, "win_rate", annotations.size(), run, all);
    }

    /** One sample per annotation, keyed by a hash of the instruction (stable across files and orders). */
    public static List<EvalSample> samples(List<Annotation> annotations) {
        List<EvalSample> samples = new ArrayList<>(annotations.size());
        for (Annotation a : annotations) {
            boolean parsed = WinRate.isPreference(a.preference());
            Map<String, Double> scores = parsed
                    ? Map.of("win_rate", 100 * ((a.preference() == 0 ? 1.5 : a.preference()) - 1))
                    : Map.of();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("dataset", a.dataset());
            details.put("parsed", parsed);
            details.put("preference", a.preference());
            details.put("swapped", a.swapped());
            details.put("generator_1", a.generator1());
            details.put("generator_2", a.generator2());
            details.put("reference_output", a.output1());
            details.put("judge_reply", a.rawCompletion());
            samples.add(new EvalSample(sampleId(a.instruction()), a.instruction(), a.output2(), scores, details));
        }
        return samples;
    }

    /**
     * Writes annotations.json, samples.jsonl, then results.json (last, so a finished-looking directory is complete).
     * The annotations are written first so that even a run whose judgements all failed to parse keeps the replies.
     */
    public static EvalResult write(Path dir, List<Annotation> annotations, EvalResult.RunInfo run, Map<String, Object> settings) {
        AlpacaAnnotations.write(dir.resolve(AlpacaAnnotations.FILE_NAME), annotations);
        EvalResult result = summarize(annotations, run, settings);
        EvalResultFiles.write(dir, result, samples(annotations));
        return result;
    }

    /** First 16 hex digits of SHA-256(instruction). */
    public static String sampleId(String instruction) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(instruction.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
