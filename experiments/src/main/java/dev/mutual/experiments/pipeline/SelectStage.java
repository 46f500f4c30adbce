package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.pipeline.SelectionRules.Criterion;
import dev.mutual.experiments.pipeline.SelectionRules.Decision;
import dev.mutual.experiments.pipeline.SelectionRules.Score;
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
import java.util.Map;

import static dev.mutual.experiments.pipeline.SelectionRules.num;
import static dev.mutual.experiments.pipeline.SelectionRules.percent;
import static dev.mutual.experiments.pipeline.SelectionRules.ranks;

/**
 * Stage {@code select}: decides, for every candidate of a score_pairs stage, whether it joins the training data, and
 * says why. First the candidates a recipe does not consider are dropped (unscorable ones, and those the
 * {@code candidates} choice leaves out); then {@link SelectionRules} decides among the eligible rest by the mode.
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
        SelectionRules rules = new SelectionRules(config, seed);
        List<Criterion> criteria = rules.criteria();
        int k = config.mode() == Mode.RANDOM ? sampleSize(ctx, pool.size()) : 0;
        List<Decision> verdicts = rules.decide(pool, k, ratings);
        int kept = 0;
        for (int j = 0; j < eligible.size(); j++) {
            decisions[eligible.get(j)] = verdicts.get(j);
            if (verdicts.get(j).kept()) kept++;
        }
        if (kept == 0 && !config.allowEmpty()) throw nothingKept(ctx.name(), pool, criteria, ratings);
        if (kept == 0) log.warn("{}: keeps none of the {} eligible candidates (allow_empty: the stages after it train on the seed alone)",
                ctx.name(), pool.size());

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

        writeHistograms(ctx.name(), out, pool, verdicts, rules);
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

    private void writeHistograms(String stage, Path out, List<CandidateLine> pool, List<Decision> verdicts, SelectionRules rules) {
        List<Criterion> criteria = rules.criteria();
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
                for (int i = 0; i < r.length; i++) if (r[i] == rules.cutoffRank(pool.size())) marker = c.of(pool.get(i).scores());
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

    /** "kept: ...: 3, dropped: ...: 5" */
    private static String countsText(List<Decision> decisions) {
        List<String> parts = new ArrayList<>();
        counts(decisions).forEach((category, n) -> parts.add(category + ": " + n));
        return String.join(", ", parts);
    }


}
