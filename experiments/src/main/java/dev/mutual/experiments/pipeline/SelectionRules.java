package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.experiments.recipe.SelectConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the select stage keeps among the eligible candidates, and why, mode by mode:
 * <ul>
 *   <li>mutual: both directions must support the pair, forward_pmi and reverse_pmi each passing the rule;</li>
 *   <li>forward_only: instruction-following difficulty alone (ifd, lower is better);</li>
 *   <li>reverse_only: reverse_pmi alone;</li>
 *   <li>none: every eligible candidate (unfiltered backtranslation);</li>
 *   <li>random: a seeded subset of K, picked by a hash of (seed, id), so the pick does not depend on line order;</li>
 *   <li>rating: a curate stage's rating at least min_rating (Humpback).</li>
 * </ul>
 * Rules: threshold (each score past its threshold), top_percent (in the best p% of each score, ranks counted over
 * the eligible candidates, ties by file order), rank_sum (the top_k smallest sums of the per-score ranks).
 */
final class SelectionRules {

    private final SelectConfig config;
    private final long seed;

    /** @param seed the seed of mode random */
    SelectionRules(SelectConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    /**
     * The verdict on one candidate.
     *
     * @param category the reason without this candidate's numbers: what summary.json counts
     * @param reason   the reason with them, written on the line
     */
    record Decision(boolean kept, String category, String reason) {
        static Decision keep(String category, String detail) {
            return new Decision(true, "kept: " + category, "kept: " + category + detail);
        }

        static Decision drop(String category, String reason) {
            return new Decision(false, "dropped: " + category, "dropped: " + reason);
        }
    }

    /** A score a filter can read from a candidate, named as in scores.jsonl. */
    enum Score {
        FORWARD_PMI("forward_pmi", true), REVERSE_PMI("reverse_pmi", true), IFD("ifd", false);

        final String field;
        /** Whether higher is better (the PMIs) or lower (ifd). */
        final boolean higher;

        Score(String field, boolean higher) {
            this.field = field;
            this.higher = higher;
        }

        double of(CandidateLine.Scores s) {
            return switch (this) {
                case FORWARD_PMI -> s.forwardPmi();
                case REVERSE_PMI -> s.reversePmi();
                case IFD -> s.ifd();
            };
        }

        @Override
        public String toString() {
            return field;
        }
    }

    /**
     * One score as a filter reads it.
     *
     * @param key       the recipe key of its threshold
     * @param threshold keep when the score is past this
     */
    record Criterion(Score score, String key, double threshold) {
        double of(CandidateLine.Scores s) {
            return score.of(s);
        }

        boolean higher() {
            return score.higher;
        }

        boolean passes(double v) {
            return higher() ? v > threshold : v < threshold;
        }

        String pass() {
            return score + (higher() ? " > " : " < ") + num(threshold);
        }

        String fail() {
            return score + (higher() ? " <= " : " >= ") + num(threshold);
        }

        /** Better first. */
        int compare(double a, double b) {
            return higher() ? Double.compare(b, a) : Double.compare(a, b);
        }
    }

    /** The scores a scored mode filters by: both PMIs (mutual), ifd (forward_only) or reverse_pmi. */
    List<Criterion> criteria() {
        SelectConfig c = config;
        Criterion forward = new Criterion(Score.FORWARD_PMI, "forward_threshold", c.forwardThreshold());
        Criterion reverse = new Criterion(Score.REVERSE_PMI, "reverse_threshold", c.reverseThreshold());
        return switch (c.mode()) {
            case MUTUAL -> List.of(forward, reverse);
            case FORWARD_ONLY -> List.of(new Criterion(Score.IFD, "ifd_threshold", c.ifdThreshold()));
            case REVERSE_ONLY -> List.of(reverse);
            default -> List.of();
        };
    }

    /**
     * The verdict on each eligible candidate, in order.
     *
     * @param k       mode random: how many to keep
     * @param ratings mode rating: the curate stage's ratings by id
     */
    List<Decision> decide(List<CandidateLine> pool, int k, Map<String, JsonNode> ratings) {
        List<Criterion> criteria = criteria();
        return switch (config.mode()) {
            case MUTUAL, FORWARD_ONLY, REVERSE_ONLY -> switch (config.rule()) {
                case THRESHOLD -> threshold(pool, criteria);
                case TOP_PERCENT -> topPercent(pool, criteria);
                case RANK_SUM -> rankSum(pool, criteria);
            };
            case NONE -> {
                List<Decision> all = new ArrayList<>();
                for (int i = 0; i < pool.size(); i++) all.add(Decision.keep("unfiltered (mode none)", ""));
                yield all;
            }
            case RANDOM -> random(pool, k);
            case RATING -> rating(pool, ratings);
        };
    }

    private static List<Decision> threshold(List<CandidateLine> pool, List<Criterion> criteria) {
        List<Decision> out = new ArrayList<>();
        for (CandidateLine l : pool) {
            List<String> passed = new ArrayList<>(), failed = new ArrayList<>(), failedAt = new ArrayList<>();
            for (Criterion c : criteria) {
                double v = c.of(l.scores());
                if (c.passes(v)) {
                    passed.add(c.score() + " " + num(v) + (c.higher() ? " > " : " < ") + num(c.threshold()));
                } else {
                    failed.add(c.fail());
                    failedAt.add(c.score() + " " + num(v) + (c.higher() ? " <= " : " >= ") + num(c.threshold()));
                }
            }
            String supported = criteria.size() > 1 ? "both directions support" : criteria.get(0).pass();
            out.add(failed.isEmpty() ? Decision.keep(supported, " (" + String.join(", ", passed) + ")")
                    : Decision.drop(String.join(" and ", failed), String.join(" and ", failedAt)));
        }
        return out;
    }

    private List<Decision> topPercent(List<CandidateLine> pool, List<Criterion> criteria) {
        int n = pool.size();
        int cut = cutoffRank(n);
        String top = "the top " + percent(config.topPercent());
        List<int[]> ranks = new ArrayList<>();
        for (Criterion c : criteria) ranks.add(ranks(pool, c));
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> at = new ArrayList<>(), failed = new ArrayList<>(), failedAt = new ArrayList<>();
            for (int k = 0; k < criteria.size(); k++) {
                Criterion c = criteria.get(k);
                int rank = ranks.get(k)[i];
                at.add(c.score() + " " + num(c.of(pool.get(i).scores())) + " rank " + rank);
                if (rank > cut) {
                    failed.add(c.score() + " not in " + top);
                    failedAt.add(c.score() + " " + num(c.of(pool.get(i).scores())) + " ranks " + rank + " of " + n
                            + ", not in " + top + " (" + cut + ")");
                }
            }
            String supported = criteria.size() > 1 ? "both directions support" : criteria.get(0).score() + " in " + top;
            out.add(failed.isEmpty() ? Decision.keep(supported, " (" + String.join(", ", at) + " of " + n + "; " + top + " is " + cut + ")")
                    : Decision.drop(String.join(" and ", failed), String.join(" and ", failedAt)));
        }
        return out;
    }

    private List<Decision> rankSum(List<CandidateLine> pool, List<Criterion> criteria) {
        int n = pool.size();
        int[] sum = new int[n];
        List<int[]> ranks = new ArrayList<>();
        for (Criterion c : criteria) {
            int[] r = ranks(pool, c);
            ranks.add(r);
            for (int i = 0; i < n; i++) sum[i] += r[i];
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) order.add(i);
        order.sort(Comparator.<Integer>comparingInt(i -> sum[i]).thenComparingInt(i -> i));
        boolean[] keep = new boolean[n];
        for (int j = 0; j < Math.min(config.topK(), n); j++) keep[order.get(j)] = true;
        String what = criteria.size() > 1 ? "rank sum" : criteria.get(0).score() + " rank";
        String top = "the top " + config.topK();
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> parts = new ArrayList<>();
            for (int k = 0; k < criteria.size(); k++) {
                parts.add(criteria.get(k).score() + " " + num(criteria.get(k).of(pool.get(i).scores())) + " rank " + ranks.get(k)[i]);
            }
            String detail = what + " " + sum[i] + " (" + String.join(", ", parts) + ")";
            out.add(keep[i] ? Decision.keep(what + " in " + top, ": " + detail)
                    : Decision.drop(what + " not in " + top, detail + " not in " + top));
        }
        return out;
    }

    private List<Decision> random(List<CandidateLine> pool, int k) {
        // A hash of (seed, id) orders the candidates: the same pick whatever the order of the lines.
        List<Integer> order = new ArrayList<>();
        String[] key = new String[pool.size()];
        for (int i = 0; i < pool.size(); i++) {
            order.add(i);
            key[i] = ContentHash.of(seed + "\n" + pool.get(i).id());
        }
        order.sort(Comparator.<Integer, String>comparing(i -> key[i]).thenComparingInt(i -> i));
        boolean[] keep = new boolean[pool.size()];
        for (int j = 0; j < k; j++) keep[order.get(j)] = true;
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) {
            out.add(keep[i] ? Decision.keep("in the random " + k, " of " + pool.size() + " (seed " + seed + ")")
                    : Decision.drop("not in the random " + k, "not in the random " + k + " of " + pool.size() + " (seed " + seed + ")"));
        }
        return out;
    }

    private List<Decision> rating(List<CandidateLine> pool, Map<String, JsonNode> ratings) {
        int min = config.minRating();
        List<Decision> out = new ArrayList<>();
        for (CandidateLine l : pool) {
            JsonNode r = ratings.get(l.id());
            if (r == null) out.add(Decision.drop("not rated", "not rated by stage " + config.ratingsStage()));
            else if (r.isNull()) out.add(Decision.drop("rating unparsed", "rating unparsed"));
            else if (r.asInt() >= min) out.add(Decision.keep("rating >= " + min, " (rating " + r.asInt() + ")"));
            else out.add(Decision.drop("rating < " + min, "rating " + r.asInt() + " < " + min));
        }
        return out;
    }

    /** 1-based ranks by one score, best first, ties by file order. */
    static int[] ranks(List<CandidateLine> pool, Criterion c) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) order.add(i);
        order.sort((a, b) -> {
            int byScore = c.compare(c.of(pool.get(a).scores()), c.of(pool.get(b).scores()));
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        int[] rank = new int[pool.size()];
        for (int j = 0; j < order.size(); j++) rank[order.get(j)] = j + 1;
        return rank;
    }

    /** How many ranks make the top p% of n: at least one. */
    int cutoffRank(int n) {
        return Math.max(1, (int) Math.ceil(n * config.topPercent() / 100.0 - 1e-9));
    }

    /** "50%", "12.5%" */
    static String percent(double p) {
        return num(p).replaceAll("\\.0$", "") + "%";
    }

    /** A score for a reason: at most four decimals, at least one ("-0.12", "0.0"). */
    static String num(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s + "0" : s;
    }
}
