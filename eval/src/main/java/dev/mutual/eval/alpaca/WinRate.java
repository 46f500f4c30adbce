package dev.mutual.eval.alpaca;

import java.util.List;

/**
 * AlpacaEval's head-to-head summary, as alpaca_eval's {@code metrics/helpers.py} computes it
 * ({@code AbsoluteScoringRule.describe_head2head} for the win rate, {@code ZeroOneScoringRule} for the discrete one):
 * <pre>
 *   preference p in [1, 2] (0, the old draw code, counts as 1.5); w_i = p_i - 1 in [0, 1]
 *   win_rate          = 100 * mean(w)
 *   standard_error    = 100 * sd(w) / sqrt(n)        (sample sd, ddof = 1: pandas' Series.sem)
 *   n_wins            = #(w > 0.5),  n_wins_base = #(w < 0.5),  n_draws = #(w == 0.5)
 *   discrete_win_rate = 100 * (n_wins + n_draws / 2) / n_total
 * </pre>
 * Unparsed judgements (null, NaN or outside [1, 2]) are left out of every rate, as alpaca_eval drops them, but
 * they are counted in {@code nUnparsed} and reported.
 */
public record WinRate(double winRate, double standardError, double discreteWinRate, int nWins, int nWinsBase,
                      int nDraws, int nTotal, int nUnparsed) {

    /** @param preferences one per item, null where the judge's reply was not parsed */
    public static WinRate of(List<Double> preferences) {
        int n = 0, wins = 0, winsBase = 0, draws = 0, unparsed = 0;
        double sum = 0;
        for (Double p : preferences) {
            if (!isPreference(p)) {
                unparsed++;
                continue;
            }
            double w = (p == 0 ? 1.5 : p) - 1;
            n++;
            sum += w;
            if (w > 0.5) wins++;
            else if (w < 0.5) winsBase++;
            else draws++;
        }
        double mean = n == 0 ? Double.NaN : sum / n;
        double squares = 0;
        for (Double p : preferences) {
            if (!isPreference(p)) continue;
            double d = (p == 0 ? 1.5 : p) - 1 - mean;
            squares += d * d;
        }
        double sem = n < 2 ? Double.NaN : Math.sqrt(squares / (n - 1)) / Math.sqrt(n);
        double discrete = n == 0 ? Double.NaN : 100.0 * (wins + draws / 2.0) / n;
        return new WinRate(100 * mean, 100 * sem, discrete, wins, winsBase, draws, n, unparsed);
    }

    static boolean isPreference(Double p) {
        return p != null && (p == 0 || (p >= 1 && p <= 2));
    }
}
