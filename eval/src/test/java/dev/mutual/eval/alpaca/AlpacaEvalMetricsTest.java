package dev.mutual.eval.alpaca;

import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The win-rate arithmetic on real data: the 805 GPT-4 annotations of alpaca-7b against text-davinci-003 must give
 * the AlpacaEval 1 leaderboard's row for alpaca-7b. The length-controlled fit is checked against scikit-learn
 * (src/test/python/alpaca_lc_reference.py), since the leaderboard's LC value needs data we do not have.
 */
class AlpacaEvalMetricsTest {
    /** A file under ../shared/data/alpaca_eval; the calling test is skipped without it. */
    private static Path data(String file) {
        return assumeShared("alpaca_eval/" + file);
    }

    @Test
    void recomputesAlpaca7bWinRateFromTheLeaderboard() throws IOException {
        List<Annotation> annotations = AlpacaAnnotations.read(data("annotations/alpaca-7b__alpaca_eval_gpt4.json"));
        WinRate wr = WinRate.of(annotations.stream().map(Annotation::preference).toList());

        String[] row = leaderboardRow(data("leaderboards/AlpacaEval1_alpaca_eval_gpt4_leaderboard.csv"), "alpaca-7b");
        // columns: name, win_rate, standard_error, n_wins, n_wins_base, n_draws, n_total, mode, avg_length, discrete_win_rate
        assertEquals(Double.parseDouble(row[1]), wr.winRate(), 1e-9, "win_rate 26.459627329192543");
        assertEquals(Double.parseDouble(row[2]), wr.standardError(), 1e-9, "standard_error 1.535711469748");
        assertEquals(Integer.parseInt(row[3]), wr.nWins());
        assertEquals(Integer.parseInt(row[4]), wr.nWinsBase());
        assertEquals(Integer.parseInt(row[5]), wr.nDraws());
        assertEquals(Integer.parseInt(row[6]), wr.nTotal());
        assertEquals(Double.parseDouble(row[9]), wr.discreteWinRate(), 1e-9);
        assertEquals(0, wr.nUnparsed());
    }

    @Test
    void lengthControlledFitMatchesScikitLearn() throws IOException {
        List<Annotation> annotations = AlpacaAnnotations.read(data("annotations/alpaca-7b__alpaca_eval_gpt4.json"));
        LengthControlledWinRate lc = LengthControlledWinRate.fit(annotations);
        // python alpaca_lc_reference.py (LogisticRegression, no penalty, tol 1e-12):
        // coef_length -2.376232461250 coef_model -1.062779581012 length_controlled_winrate 25.6778631578
        assertEquals(-2.376232461250, lc.lengthCoefficient(), 1e-6);
        assertEquals(-1.062779581012, lc.modelCoefficient(), 1e-6);
        assertEquals(25.6778631578, lc.winRate(), 1e-5);
        // The leaderboard's 26.29 also uses per-instruction difficulty and gamed-baseline rows (see the class doc).
        assertEquals(26.29495433067113, lc.winRate(), 1.0);
    }

    @Test
    void unparsedJudgementsAreCountedNotDropped() {
        List<Double> prefs = new ArrayList<>(Arrays.asList(2.0, 1.0, 1.5, null, 7.0, 0.0, 1.75));
        WinRate wr = WinRate.of(prefs);
        // parsed w = 1, 0, 0.5, 0.5, 0.75 -> mean 0.55; squares .2025+.3025+.0025+.0025+.04 = 0.55, sd = sqrt(0.55 / 4); sem = sd / sqrt(5)
        assertEquals(55.0, wr.winRate(), 1e-12);
        assertEquals(100 * Math.sqrt(0.55 / 4) / Math.sqrt(5), wr.standardError(), 1e-12);
        assertEquals(2, wr.nWins());
        assertEquals(1, wr.nWinsBase());
        assertEquals(2, wr.nDraws());
        assertEquals(5, wr.nTotal());
        assertEquals(2, wr.nUnparsed());
        assertEquals(100 * (2 + 1.0) / 5, wr.discreteWinRate(), 1e-12);
    }

    @Test
    void reportWritesAnnotationsSamplesAndResults(@TempDir Path dir) {
        List<Annotation> annotations = AlpacaAnnotations.read(data("annotations/alpaca-7b__alpaca_eval_gpt4.json"));
        EvalResult written = AlpacaEvalReport.write(dir, annotations, EvalResult.RunInfo.UNKNOWN, Map.of("source", "test"));

        EvalResult result = EvalResultFiles.readResult(dir);
        assertEquals(26.459627329192543, result.metrics().get("win_rate"), 1e-9);
        assertEquals(396.0, result.metrics().get("avg_length"), "leaderboard avg_length");
        assertEquals(written.metrics(), result.metrics());
        List<EvalSample> samples = EvalResultFiles.readSamples(dir);
        assertEquals(805, samples.size());
        assertEquals(805, samples.stream().map(EvalSample::id).distinct().count(), "ids are unique");
        double mean = samples.stream().mapToDouble(s -> s.scores().get("win_rate")).average().orElseThrow();
        assertEquals(result.metrics().get("win_rate"), mean, 1e-9, "per-sample scores average to the summary");
        assertEquals(annotations, AlpacaAnnotations.read(dir.resolve(AlpacaAnnotations.FILE_NAME)), "annotations round-trip");
    }

    private static String[] leaderboardRow(Path csv, String model) throws IOException {
        for (String line : Files.readAllLines(csv)) {
            String[] cols = line.split(",", -1);
            if (cols[0].equals(model)) return cols;
        }
        throw new AssertionError(model + " not in " + csv);
    }
}
