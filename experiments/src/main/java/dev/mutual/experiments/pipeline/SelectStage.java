package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.recipe.CandidateChoice;
import dev.mutual.experiments.recipe.SelectConfig;
import dev.mutual.experiments.recipe.SelectConfig.Mode;
import dev.mutual.experiments.recipe.SelectConfig.Rule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code select}: decides, for every candidate of a score_pairs stage, whether it joins the training data, and
 * says why. First the candidates a recipe does not consider are dropped (unscorable ones, and those the
 * {@code candidates} choice leaves out); then the mode decides among the eligible rest:
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
 *
 * <p>Writes {@code decisions.jsonl} (every line with {@code kept} and {@code reason}), {@code kept.jsonl},
 * {@code summary.json} (counts per reason), the two histograms and {@code examples.md}. Keeping nothing is an
 * error that names the key and the scores seen, raised before anything is written.
 */
final class SelectStage implements Stage {

    /** Bump when a change here alters what the stage writes. */
    static final int CODE_VERSION = 1;
    private static final Logger log = LoggerFactory.getLogger(SelectStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SelectConfig config;
    private final long seed;

    SelectStage(SelectConfig config, long recipeSeed) {
        this.config = config;
        this.seed = config.seed() != null ? config.seed() : recipeSeed;
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
    static List<Criterion> criteria(SelectConfig c) {
        Criterion forward = new Criterion(Score.FORWARD_PMI, "forward_threshold", c.forwardThreshold());
        Criterion reverse = new Criterion(Score.REVERSE_PMI, "reverse_threshold", c.reverseThreshold());
        return switch (c.mode()) {
            case MUTUAL -> List.of(forward, reverse);
            case FORWARD_ONLY -> List.of(new Criterion(Score.IFD, "ifd_threshold", c.ifdThreshold()));
            case REVERSE_ONLY -> List.of(reverse);
            default -> List.of();
        };
    }

    @Override
    public int codeVersion() {
        return CODE_VERSION;
    }

    @Override
    public List<Path> inputFiles() {
        return List.of();
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        Path scoresFile = ctx.upstreamDir(config.scoresStage()).resolve("scores.jsonl");
        List<CandidateLine> lines = CandidateLine.read(scoresFile, true);
        if (lines.isEmpty()) throw new UserInputException(scoresFile + ": no candidates to select from");
        Map<String, Integer> siblings = CandidateLine.candidatesPerSource(lines);

        // Candidates the recipe does not consider are dropped before the mode looks at the rest.
        Decision[] decisions = new Decision[lines.size()];
        List<Integer> eligible = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            CandidateLine l = lines.get(i);
            String notChosen = l.notChosen(config.candidates(), siblings.get(l.sourceId()));
            if (l.scores() == null) {
                decisions[i] = l.instruction().isBlank() ? Decision.drop("unscorable (empty instruction)", "unscorable (empty instruction)")
                        : Decision.drop("unscorable", "unscorable (no scores)");
            } else if (notChosen != null) {
                decisions[i] = Decision.drop(config.candidates() == CandidateChoice.BEST ? "not the best candidate"
                        : "not the first candidate", notChosen);
            } else {
                eligible.add(i);
            }
        }
        if (eligible.isEmpty()) {
            throw new UserInputException("stages." + ctx.name() + ".candidates: none of the " + lines.size() + " candidates in "
                    + scoresFile + " is eligible (candidates: " + SelectConfig.name(config.candidates()) + "): "
                    + countsText(List.of(decisions)));
        }

        List<CandidateLine> pool = new ArrayList<>();
        for (int i : eligible) pool.add(lines.get(i));
        Map<String, JsonNode> ratings = config.mode() == Mode.RATING
                ? readRatings(ctx.upstreamDir(config.ratingsStage()).resolve("ratings.jsonl")) : Map.of();
        List<Criterion> criteria = criteria(config);
        List<Decision> verdicts = switch (config.mode()) {
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
            case RANDOM -> random(pool, sampleSize(ctx, pool.size()));
            case RATING -> rating(pool, ratings);
        };
        int kept = 0;
        for (int j = 0; j < eligible.size(); j++) {
            decisions[eligible.get(j)] = verdicts.get(j);
            if (verdicts.get(j).kept()) kept++;
        }
        if (kept == 0) throw nothingKept(ctx.name(), pool, criteria, ratings);

        // Outputs, each written atomically; the pipeline publishes the folder only after the last.
        Path out = ctx.workDir();
        List<ObjectNode> decided = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode o = lines.get(i).json();
            if (config.mode() == Mode.RATING) o.set("rating", ratings.get(lines.get(i).id()));
            o.put("kept", decisions[i].kept());
            o.put("reason", decisions[i].reason());
            decided.add(o);
        }
        AtomicFile.write(out.resolve("decisions.jsonl"), w -> {
            for (ObjectNode o : decided) w.write(JSON.writeValueAsString(o) + "\n");
        });
        AtomicFile.write(out.resolve("kept.jsonl"), w -> {
            for (ObjectNode o : decided) if (o.get("kept").asBoolean()) w.write(JSON.writeValueAsString(o) + "\n");
        });
        ObjectNode summary = JSON.createObjectNode();
        summary.put("mode", SelectConfig.name(config.mode()));
        if (SelectConfig.scored(config.mode())) summary.put("rule", SelectConfig.name(config.rule()));
        summary.put("candidates", SelectConfig.name(config.candidates()));
        summary.put("lines", lines.size());
        summary.put("eligible", eligible.size());
        summary.put("kept", kept);
        summary.put("dropped", lines.size() - kept);
        ObjectNode reasons = summary.putObject("reasons");
        counts(List.of(decisions)).forEach(reasons::put);
        AtomicFile.writeString(out.resolve("summary.json"), summary.toPrettyString() + "\n");

        writeHistograms(ctx.name(), out, pool, verdicts, criteria);
        boolean[] isEligible = new boolean[lines.size()];
        for (int i : eligible) isEligible[i] = true;
        AtomicFile.writeString(out.resolve("examples.md"), SelectionExamples.markdown(ctx.name(), describe(), lines, decisions,
                isEligible, config.mode() == Mode.RATING ? ratings : null));
        log.info("select {}: kept {} of {} candidates ({} eligible): {}", ctx.name(), kept, lines.size(), eligible.size(),
                countsText(List.of(decisions)));

        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("candidates", lines.size());
        metrics.put("eligible", eligible.size());
        metrics.put("kept", kept);
        metrics.put("dropped", lines.size() - kept);
        return new StageResult(metrics);
    }

    // ---- Rules over the eligible candidates, one verdict each, in order ----

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
    private static int[] ranks(List<CandidateLine> pool, Criterion c) {
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
    private int cutoffRank(int n) {
        return Math.max(1, (int) Math.ceil(n * config.topPercent() / 100.0 - 1e-9));
    }

    /** K of mode random: the size key, or the kept count of the size stage. */
    private int sampleSize(StageContext ctx, int eligible) {
        int k;
        String key;
        if (config.size() != null) {
            k = config.size();
            key = "size";
        } else {
            Path kept = ctx.upstreamDir(config.sizeStage()).resolve("kept.jsonl");
            k = JsonLines.read(kept, "the kept candidates of a select stage").size();
            key = "size_stage";
            log.info("select {}: K = {}, the kept count of stage {}", ctx.name(), k, config.sizeStage());
        }
        if (k > eligible) {
            throw new UserInputException("stages." + ctx.name() + "." + key + ": K = " + k + " but only " + eligible
                    + " candidates are eligible (candidates: " + SelectConfig.name(config.candidates()) + "); a random subset"
                    + " of another size would not be the baseline asked for: choose candidates: all, or a smaller K");
        }
        return k;
    }

    /** id to rating (an integer 1-5 or JSON null for an unparsed one) of a curate stage. */
    static Map<String, JsonNode> readRatings(Path file) {
        Map<String, JsonNode> ratings = new HashMap<>();
        for (JsonLines.Line l : JsonLines.read(file, "ratings of a curate stage")) {
            JsonNode r = l.node().get("rating");
            if (r == null || !(r.isNull() || (r.isIntegralNumber() && r.asInt() >= 1 && r.asInt() <= 5))) {
                throw l.error("expected \"rating\": an integer 1-5 or null, found " + r);
            }
            ratings.put(l.text("id"), r);
        }
        return ratings;
    }

    /** The error for a filter that keeps nothing: the keys that decided it and the scores they saw. */
    private UserInputException nothingKept(String stage, List<CandidateLine> pool, List<Criterion> criteria, Map<String, JsonNode> ratings) {
        String keys;
        String seen;
        if (config.mode() == Mode.RATING) {
            int min = 6, max = 0, unparsed = 0, unrated = 0;
            for (CandidateLine l : pool) {
                JsonNode r = ratings.get(l.id());
                if (r == null) unrated++;
                else if (r.isNull()) unparsed++;
                else {
                    min = Math.min(min, r.asInt());
                    max = Math.max(max, r.asInt());
                }
            }
            keys = "min_rating " + config.minRating();
            seen = "ratings seen " + (max == 0 ? "none" : min + ".." + max) + ", " + unparsed + " unparsed, " + unrated + " not rated";
        } else if (SelectConfig.scored(config.mode())) {
            List<String> k = new ArrayList<>();
            if (config.rule() == Rule.THRESHOLD) for (Criterion c : criteria) k.add(c.key() + " " + num(c.threshold()));
            else if (config.rule() == Rule.TOP_PERCENT) k.add("top_percent " + percent(config.topPercent()));
            else k.add("top_k " + config.topK());
            keys = String.join(", ", k) + " (mode " + SelectConfig.name(config.mode()) + ", rule " + SelectConfig.name(config.rule()) + ")";
            List<String> ranges = new ArrayList<>();
            for (Criterion c : criteria) {
                double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                for (CandidateLine l : pool) {
                    lo = Math.min(lo, c.of(l.scores()));
                    hi = Math.max(hi, c.of(l.scores()));
                }
                ranges.add(c.score() + " " + num(lo) + ".." + num(hi));
            }
            seen = "scores seen " + String.join(", ", ranges);
        } else {
            keys = config.mode() == Mode.RANDOM ? (config.size() != null ? "size " + config.size() : "size_stage " + config.sizeStage())
                    : "mode " + SelectConfig.name(config.mode());
            seen = pool.size() + " eligible";
        }
        return new UserInputException("stages." + stage + ": select keeps none of the " + pool.size() + " eligible candidates with "
                + keys + "; " + seen + ". No output was written");
    }

    private void writeHistograms(String stage, Path out, List<CandidateLine> pool, List<Decision> verdicts, List<Criterion> criteria) {
        // The forward histogram shows what forward_only filters by (ifd); otherwise forward_pmi.
        Criterion forward = config.mode() == Mode.FORWARD_ONLY ? criteria.get(0)
                : new Criterion(Score.FORWARD_PMI, "forward_threshold", config.forwardThreshold());
        Criterion reverse = new Criterion(Score.REVERSE_PMI, "reverse_threshold", config.reverseThreshold());
        for (Criterion c : List.of(forward, reverse)) {
            List<Double> kept = new ArrayList<>(), dropped = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) (verdicts.get(i).kept() ? kept : dropped).add(c.of(pool.get(i).scores()));
            Double marker = null;
            String markerLabel = null;
            if (criteria.contains(c) && config.rule() == Rule.THRESHOLD) {
                marker = c.threshold();
                markerLabel = c.key() + " " + num(c.threshold());
            } else if (criteria.contains(c) && config.rule() == Rule.TOP_PERCENT) {
                int[] r = ranks(pool, c);
                for (int i = 0; i < r.length; i++) if (r[i] == cutoffRank(pool.size())) marker = c.of(pool.get(i).scores());
                markerLabel = "top " + percent(config.topPercent()) + " cutoff " + num(marker);
            }
            String title = "select " + stage + ": " + c.score() + " of the " + pool.size() + " eligible candidates (" + describe() + ")";
            String file = c == reverse ? "histogram_reverse.png" : "histogram_forward.png";
            AtomicFile.writeBytes(out.resolve(file), SelectionHistogram.png(title, c.score() + (c.higher() ? " (higher is better)"
                    : " (lower is better)"), kept, dropped, marker, markerLabel));
        }
    }

    /** "mode mutual, rule threshold, candidates best" */
    private String describe() {
        return "mode " + SelectConfig.name(config.mode()) + (SelectConfig.scored(config.mode()) ? ", rule " + SelectConfig.name(config.rule()) : "")
                + ", candidates " + SelectConfig.name(config.candidates());
    }

    /** Verdict categories and their counts, kept first, then by count. */
    private static Map<String, Integer> counts(List<Decision> decisions) {
        Map<String, Integer> counts = new HashMap<>();
        for (Decision d : decisions) if (d != null) counts.merge(d.category(), 1, Integer::sum);
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Comparator.<Map.Entry<String, Integer>, Boolean>comparing(e -> !e.getKey().startsWith("kept"))
                .thenComparing(e -> -e.getValue()).thenComparing(Map.Entry::getKey));
        Map<String, Integer> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : entries) ordered.put(e.getKey(), e.getValue());
        return ordered;
    }

    /** "50%", "12.5%" */
    private static String percent(double p) {
        return num(p).replaceAll("\\.0$", "") + "%";
    }

    /** "kept: ...: 3, dropped: ...: 5" */
    private static String countsText(List<Decision> decisions) {
        List<String> parts = new ArrayList<>();
        counts(decisions).forEach((category, n) -> parts.add(category + ": " + n));
        return String.join(", ", parts);
    }

    /** A score for a reason: at most four decimals, at least one ("-0.12", "0.0"). */
    static String num(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s + "0" : s;
    }
}
