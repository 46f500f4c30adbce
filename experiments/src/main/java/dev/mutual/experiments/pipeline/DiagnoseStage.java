package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.Example;
import dev.mutual.data.JsonLines;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.read.DataReader;
import dev.mutual.experiments.main.Auroc;
import dev.mutual.experiments.main.PairScorer;
import dev.mutual.experiments.main.Spearman;
import dev.mutual.experiments.recipe.DiagnoseConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Stage {@code diagnose}: measures MAIN's filter itself, independent of any benchmark. For each gold item of the pool
 * (a response with the instruction that produced it) it scores the gold pair (label 1) and the same response with
 * another item's gold instruction (label 0; a seeded random derangement of the items, so no item keeps its own), and
 * reports per score the AUROC of telling them apart.
 *
 * <p>Outputs: {@code auroc_pairs.jsonl}, one line per scored pair: {@code id}, {@code source_id} (the response's
 * item), {@code instruction_source_id} (whose instruction it was paired with), {@code round}, {@code label} and the
 * scores {@link #SCORES}, each oriented so that higher means "more aligned": {@code forward_pmi},
 * {@code reverse_pmi}, {@code mutual}, and {@code neg_ifd} = -IFD (IFD is lower for better-aligned pairs); with a
 * {@code rating} block also {@code rating}, Humpback's 1-5 self-curation rating of the pair by {@link SelfCurationRater}
 * (the curate stage's code), null when a generated reply does not end with "Score: N".
 * {@code auroc.json}: {score: {auroc, positives, negatives}} for those scores, computed from that file alone (so
 * anyone can recompute it) over the lines where the score is not null (so positives and negatives may be fewer for
 * the rating; auroc null without both); when the pool has fewer than two gold items, {"note": why} instead. With
 * {@code quality_data}: each row's (gold_instruction, response) scored the same way, {@code quality_pairs.jsonl}
 * (id, quality_score and the scores) and {@code spearman.json}: {score: {rho, n}}, Spearman's rho of each score with
 * the human quality score over the rows where it is not null (rho null when a score is constant).
 */
final class DiagnoseStage implements Stage {

    /** Bump when a change here, in PairScorer or in SelfCurationRater alters the outputs. */
    static final int CODE_VERSION = 1;
    /** The scores of the two models, as named in the outputs; each higher = better aligned. */
    static final List<String> SCORES = List.of("forward_pmi", "reverse_pmi", "mutual", "neg_ifd");
    /** The self-curation rating's field, with a {@code rating} block (higher = better, 1-5 or null). */
    static final String RATING = "rating";

    /** Pairs per PairScorer call (a gold pair and its shuffled twin are neighbours, so they share the call). */
    private static final int CHUNK = 1024;
    private static final Logger log = LoggerFactory.getLogger(DiagnoseStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DiagnoseConfig config;
    private final long seed;
    private final Map<String, String> env;

    /** @param env the environment a rating judge's API key is read from */
    DiagnoseStage(DiagnoseConfig config, long recipeSeed, Map<String, String> env) {
        this.config = config;
        this.seed = config.seed() == null ? recipeSeed : config.seed();
        this.env = env;
    }

    @Override
    public int codeVersion() {
        return CODE_VERSION;
    }

    @Override
    public List<Path> inputFiles() {
        List<Path> files = new ArrayList<>();
        if (config.qualityData() != null) files.add(config.qualityData());
        if (config.rating() != null && config.rating().prompt() != null) files.add(config.rating().prompt());
        return files;
    }

    /** The score fields this stage writes, in order. */
    private List<String> scores() {
        if (config.rating() == null) return SCORES;
        List<String> all = new ArrayList<>(SCORES);
        all.add(RATING);
        return all;
    }

    /** A response and its gold instruction; {@code id} names it in the outputs. */
    record GoldItem(String id, String instruction, String response) {}

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        long start = System.nanoTime();
        Path poolFile = ctx.upstreamDir(config.poolStage()).resolve("data.jsonl");
        List<GoldItem> gold = goldItems(DataReader.read(poolFile, DataReader.Options.defaults()).examples(), config.limit());
        List<GoldItem> quality = new ArrayList<>();
        List<Double> humanScores = new ArrayList<>();
        if (config.qualityData() != null) readQuality(config.qualityData(), config.limit(), quality, humanScores);

        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("gold_items", gold.size());
        try (TrainedModel forward = TrainedModel.open(ctx.upstreamDir(config.forwardStage()));
             TrainedModel reverse = TrainedModel.open(ctx.upstreamDir(config.reverseStage()))) {
            PairScorer scorer = new PairScorer(forward, reverse, config.batchSize());
            long tokens = 0;
            if (gold.size() < 2) {
                String note = "pool stage '" + config.poolStage() + "' has " + gold.size() + " items with a gold instruction;"
                        + " the AUROC needs at least 2 (a response paired with another item's instruction)";
                log.info("{}: {}: no AUROC", ctx.name(), note);
                AtomicFile.writeString(ctx.workDir().resolve("auroc.json"), JSON.createObjectNode().put("note", note).toPrettyString() + "\n");
                ScorePairsStage.writeLines(ctx.workDir().resolve("auroc_pairs.jsonl"), List.of());
            } else {
                tokens += auroc(ctx, scorer, gold, metrics);
            }
            if (config.qualityData() != null) tokens += spearman(ctx, scorer, quality, humanScores, metrics);
            double seconds = (System.nanoTime() - start) / 1e9;
            metrics.put("tokens_per_s", tokens / Math.max(seconds, 1e-9));
            metrics.put("seconds", seconds);
        }
        return new StageResult(metrics);
    }

    /** The pool's items with a gold instruction (a pair's own instruction counts as gold), the first {@code limit}. */
    static List<GoldItem> goldItems(List<Example> pool, int limit) {
        List<GoldItem> out = new ArrayList<>();
        for (Example e : pool) {
            if (limit > 0 && out.size() >= limit) break;
            String instruction = e.isPair() ? e.fullInstruction() : e.goldInstruction();
            if (instruction != null && !instruction.isBlank()) out.add(new GoldItem(e.id(), instruction, e.response()));
        }
        return out;
    }

    /**
     * A random permutation of 0..n-1 with no fixed point (n >= 2), from the seed alone: Sattolo's algorithm, which
     * draws a uniformly random single cycle.
     */
    static int[] derangement(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i); // j < i: never the element itself, so everything moves
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Scores gold and shuffled pairs, writes auroc_pairs.jsonl and auroc.json; returns the tokens scored. */
    private long auroc(StageContext ctx, PairScorer scorer, List<GoldItem> gold, Map<String, Number> metrics) throws IOException {
        int[] other = derangement(gold.size(), seed);
        List<PairScorer.Pair> pairs = new ArrayList<>();
        List<ObjectNode> lines = new ArrayList<>();
        int sameText = 0;
        for (int i = 0; i < gold.size(); i++) {
            GoldItem item = gold.get(i);
            pairs.add(new PairScorer.Pair(item.id() + "#gold", item.instruction(), item.response()));
            lines.add(pairLine(item.id() + "#gold", item, item, 1));
            GoldItem donor = gold.get(other[i]);
            // Items that share an instruction (several replies to one prompt) would make a "negative" a gold pair.
            if (donor.instruction().equals(item.instruction())) {
                sameText++;
                continue;
            }
            pairs.add(new PairScorer.Pair(item.id() + "#shuffled", donor.instruction(), item.response()));
            lines.add(pairLine(item.id() + "#shuffled", item, donor, 0));
        }
        if (sameText > 0) log.info("{}: {} shuffled pairs left out: the other item has the same instruction", ctx.name(), sameText);
        PairScorer.Result result = score(ctx, scorer, pairs, "gold and shuffled pairs");
        List<Integer> ratings = rate(ctx, pairs, metrics);
        for (int k = 0; k < lines.size(); k++) putScores(lines.get(k), result.scores().get(k), ratings == null ? null : ratings.get(k));
        ScorePairsStage.writeLines(ctx.workDir().resolve("auroc_pairs.jsonl"), lines);

        int[] labels = new int[lines.size()];
        for (int k = 0; k < labels.length; k++) labels[k] = lines.get(k).get("label").asInt();
        int positives = 0;
        for (int label : labels) positives += label;
        ObjectNode out = JSON.createObjectNode();
        StringBuilder summary = new StringBuilder();
        for (String score : scores()) {
            // over the lines with a value: every line for the models' scores, the parsed ones for a generated rating
            List<Integer> rows = present(lines, score);
            double[] values = new double[rows.size()];
            int[] subset = new int[rows.size()];
            int p = 0;
            for (int k = 0; k < values.length; k++) {
                values[k] = lines.get(rows.get(k)).get(score).asDouble();
                subset[k] = labels[rows.get(k)];
                p += subset[k];
            }
            ObjectNode o = out.putObject(score);
            if (p > 0 && p < values.length) {
                double auroc = Auroc.of(values, subset);
                o.put("auroc", auroc);
                metrics.put("auroc_" + score, auroc);
                summary.append(String.format(Locale.ROOT, " %s %.3f", score, auroc));
            } else {
                o.putNull("auroc");
                summary.append(" ").append(score).append(" n/a (").append(p).append(" gold and ").append(values.length - p)
                        .append(" shuffled pairs with a value)");
            }
            o.put("positives", p).put("negatives", values.length - p);
        }
        AtomicFile.writeString(ctx.workDir().resolve("auroc.json"), out.toPrettyString() + "\n");
        metrics.put("positives", positives);
        metrics.put("negatives", labels.length - positives);
        log.info("{}: AUROC over {} gold and {} shuffled pairs:{}", ctx.name(), positives, labels.length - positives, summary);
        return result.tokens();
    }

    private ObjectNode pairLine(String id, GoldItem response, GoldItem instruction, int label) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("source_id", response.id());
        o.put("instruction_source_id", instruction.id());
        o.put("round", config.round());
        o.put("label", label);
        return o;
    }

    /** The scores, each oriented so that higher = better aligned, and the rating when the stage rates. */
    private void putScores(ObjectNode o, PairScorer.Scores s, Integer rating) {
        o.put("forward_pmi", s.forwardPmi());
        o.put("reverse_pmi", s.reversePmi());
        o.put("mutual", s.mutual());
        o.put("neg_ifd", -s.ifd());
        if (config.rating() == null) return;
        if (rating == null) o.putNull(RATING);
        else o.put(RATING, rating);
    }

    /** The indices of the lines whose {@code field} is a number (not null). */
    private static List<Integer> present(List<ObjectNode> lines, String field) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).path(field).isNumber()) rows.add(i);
        return rows;
    }

    /**
     * The self-curation rating of each pair (null where a generated reply has no closing "Score: N"), by the curate
     * stage's code; null when the stage has no {@code rating} block.
     */
    private List<Integer> rate(StageContext ctx, List<PairScorer.Pair> pairs, Map<String, Number> metrics) {
        if (config.rating() == null) return null;
        List<Integer> out = new ArrayList<>();
        int unparsed = 0;
        for (SelfCurationRater.Rated r : new SelfCurationRater(config.rating(), "rating.", env).rate(ctx, pairs)) {
            out.add(r.rating());
            if (r.rating() == null) unparsed++;
        }
        metrics.merge("rating_unparsed", unparsed, (a, b) -> a.intValue() + b.intValue());
        if (unparsed > 0) log.info("{}: {} of {} ratings unparsed (no closing \"Score: N\"): rating null", ctx.name(), unparsed, pairs.size());
        return out;
    }

    /**
     * Rows of quality_data with a response, a gold_instruction and a numeric quality_score (rows where one is
     * missing, blank or null are skipped), the first {@code limit} of them when limit > 0.
     */
    static void readQuality(Path file, int limit, List<GoldItem> items, List<Double> scores) {
        int skipped = 0;
        for (JsonLines.Line l : JsonLines.read(file, "rows of {response, gold_instruction, quality_score}")) {
            if (limit > 0 && items.size() >= limit) break;
            String response = l.text("response");
            JsonNode instruction = l.node().get("gold_instruction");
            JsonNode quality = l.node().get("quality_score");
            if (response.isBlank() || instruction == null || !instruction.isTextual() || instruction.asText().isBlank()
                    || quality == null || quality.isNull()) {
                skipped++;
                continue;
            }
            if (!quality.isNumber()) throw l.error("expected a number or null in \"quality_score\", found " + quality);
            JsonNode id = l.node().get("id");
            items.add(new GoldItem(id != null && id.isTextual() ? id.asText() : "line " + l.number(), instruction.asText(), response));
            scores.add(quality.asDouble());
        }
        if (items.size() < 2) {
            throw new UserInputException("quality_data " + file + ": " + items.size() + " rows with a gold_instruction and a"
                    + " quality_score (" + skipped + " without); Spearman's rho needs at least 2");
        }
        if (skipped > 0) log.info("quality_data {}: {} rows without a response, gold_instruction or quality_score skipped", file, skipped);
    }

    /** Scores the quality rows, writes quality_pairs.jsonl and spearman.json; returns the tokens scored. */
    private long spearman(StageContext ctx, PairScorer scorer, List<GoldItem> rows, List<Double> human,
                          Map<String, Number> metrics) throws IOException {
        List<PairScorer.Pair> pairs = new ArrayList<>();
        for (GoldItem r : rows) pairs.add(new PairScorer.Pair(r.id(), r.instruction(), r.response()));
        PairScorer.Result result = score(ctx, scorer, pairs, "quality_data pairs");
        List<Integer> ratings = rate(ctx, pairs, metrics);
        List<ObjectNode> lines = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode o = JSON.createObjectNode();
            o.put("id", rows.get(i).id());
            o.put("round", config.round());
            o.put("quality_score", human.get(i));
            putScores(o, result.scores().get(i), ratings == null ? null : ratings.get(i));
            lines.add(o);
        }
        ScorePairsStage.writeLines(ctx.workDir().resolve("quality_pairs.jsonl"), lines);
        ObjectNode out = JSON.createObjectNode();
        StringBuilder summary = new StringBuilder();
        for (String score : scores()) {
            List<Integer> present = present(lines, score);
            double[] x = new double[present.size()], y = new double[present.size()];
            for (int k = 0; k < x.length; k++) {
                x[k] = lines.get(present.get(k)).get(score).asDouble();
                y[k] = human.get(present.get(k));
            }
            double rho = x.length < 2 ? Double.NaN : Spearman.rho(x, y);
            ObjectNode s = out.putObject(score);
            if (Double.isNaN(rho)) s.putNull("rho");
            else s.put("rho", rho);
            s.put("n", x.length);
            if (!Double.isNaN(rho)) metrics.put("spearman_" + score, rho);
            summary.append(String.format(Locale.ROOT, " %s %.3f", score, rho));
        }
        AtomicFile.writeString(ctx.workDir().resolve("spearman.json"), out.toPrettyString() + "\n");
        metrics.put("quality_pairs", rows.size());
        log.info("{}: Spearman's rho with human quality over {} pairs:{}", ctx.name(), rows.size(), summary);
        return result.tokens();
    }

    /** Scores pairs in parts of {@link #CHUNK}, so that memory holds one part's requests whatever the pool size. */
    private static PairScorer.Result score(StageContext ctx, PairScorer scorer, List<PairScorer.Pair> pairs, String what) {
        Progress progress = new Progress(log, ctx.name() + ": " + what, pairs.size(), "pairs", 5000);
        List<PairScorer.Scores> scores = new ArrayList<>(pairs.size());
        long tokens = 0;
        int truncated = 0;
        for (int c0 = 0; c0 < pairs.size(); c0 += CHUNK) {
            List<PairScorer.Pair> chunk = pairs.subList(c0, Math.min(pairs.size(), c0 + CHUNK));
            int before = c0;
            PairScorer.Result r = scorer.score(chunk, f -> progress.update(before + Math.round(f * chunk.size())));
            scores.addAll(r.scores());
            tokens += r.tokens();
            truncated += r.truncated();
        }
        progress.finish(pairs.size(), null);
        if (truncated > 0) log.info("{}: {} {} cut to a model's length", ctx.name(), truncated, what);
        return new PairScorer.Result(scores, tokens, truncated);
    }
}
