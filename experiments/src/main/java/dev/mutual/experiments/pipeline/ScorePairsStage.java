package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.main.PairScorer;
import dev.mutual.experiments.recipe.ScorePairsConfig;
import dev.mutual.experiments.recipe.SparkSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Stage {@code score_pairs}: {@link PairScorer} over the candidates of a synthesize stage. Each line of
 * {@code scores.jsonl} is the candidate's line with {@code forward_logprob}, {@code response_logprob},
 * {@code reverse_logprob}, {@code instruction_logprob}, {@code response_tokens}, {@code instruction_tokens},
 * {@code forward_pmi}, {@code reverse_pmi}, {@code mutual}, {@code ifd}, {@code truncated}, {@code scorable} and
 * {@code best} added (a candidate with an empty instruction stays, with {@code scorable: false} and null scores).
 *
 * <p>Sharded: shard i is candidates [i * shard_size, (i + 1) * shard_size) in file order, written atomically as
 * {@code shards/shard-00000.jsonl}. An attempt killed part way leaves its finished shards, and the rerun scores only
 * the others (unless the candidates, the models or shard_size changed, recorded in {@code shards/identity.txt}: then
 * it starts over). At the end the shards are concatenated into scores.jsonl, {@code best} is set (per source_id,
 * by keep_best, over all shards) and {@code shards/} is removed.
 */
final class ScorePairsStage implements Stage {

    /** Bump when a change here or in PairScorer alters scores.jsonl. */
    static final int CODE_VERSION = 1;
    static final String CANDIDATES = "candidates.jsonl";
    static final String SCORES = "scores.jsonl";
    static final String SHARDS = "shards";

    private static final Logger log = LoggerFactory.getLogger(ScorePairsStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScorePairsConfig config;
    private final String runner;
    private final SparkSettings spark;

    ScorePairsStage(ScorePairsConfig config) {
        this(config, ShardRunner.LOCAL, new SparkSettings(null));
    }

    /** @param recipeRunner the recipe's runner, used when the stage sets none */
    ScorePairsStage(ScorePairsConfig config, String recipeRunner, SparkSettings spark) {
        this.config = config;
        this.runner = config.runner() == null ? recipeRunner : config.runner();
        this.spark = spark;
    }

    /**
     * The per-shard function, runnable in this JVM or on a Spark executor: shard i = candidates
     * [i * shard_size, (i + 1) * shard_size) of the file, scored, as scores lines without {@code best}.
     *
     * @param candidates the candidates.jsonl (absolute; every worker must be able to read it), checked already
     * @param forwardDir the forward train stage's folder
     * @param reverseDir the reverse train stage's folder
     * @param n          how many candidates the file holds
     */
    record Shards(ScorePairsConfig config, String candidates, String forwardDir, String reverseDir, int n) implements ShardWork {

        @Override
        public int shardCount() {
            return (n + config.shardSize() - 1) / config.shardSize();
        }

        @Override
        public int shardItems(int shard) {
            return Math.min(config.shardSize(), n - shard * config.shardSize());
        }

        @Override
        public Output run(int shard, ModelPool models) throws IOException {
            long t0 = System.nanoTime();
            List<Candidate> lines = new ArrayList<>();
            // Streamed: the lines before the shard are read and dropped, so memory holds one shard.
            try (CandidateReader in = new CandidateReader(Path.of(candidates))) {
                for (int k = 0; k < shard * config.shardSize(); k++) in.next();
                for (int k = 0; k < shardItems(shard); k++) lines.add(in.next());
            }
            List<PairScorer.Pair> pairs = new ArrayList<>();
            for (Candidate c : lines) pairs.add(new PairScorer.Pair(c.id(), c.instruction(), c.response()));
            Path f = Path.of(forwardDir), r = Path.of(reverseDir);
            TrainedModel forward = models.borrow(f);
            TrainedModel reverse = models.borrow(r);
            PairScorer.Result result;
            try {
                result = new PairScorer(forward, reverse, config.batchSize()).score(pairs, x -> {});
            } finally {
                models.release(f, forward);
                models.release(r, reverse);
            }
            ArrayList<String> out = new ArrayList<>();
            for (int k = 0; k < lines.size(); k++) {
                out.add(JSON.writeValueAsString(scored(lines.get(k).line(), result.scores().get(k))));
            }
            return new Output(shard, out, result.tokens(), (System.nanoTime() - t0) / 1e9);
        }
    }

    @Override
    public int codeVersion() {
        return CODE_VERSION;
    }

    @Override
    public List<Path> inputFiles() {
        return List.of();
    }

    /** Finished shards of a killed attempt are kept. */
    @Override
    public boolean resumable() {
        return true;
    }

    /** A candidates line, checked, with the fields the scorer reads. */
    private record Candidate(ObjectNode line, String id, String instruction, String response) {}

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        Path file = ctx.upstreamDir(config.candidatesStage()).resolve(CANDIDATES);
        int n = check(file);
        int shardCount = (n + config.shardSize() - 1) / config.shardSize();
        Path shards = ctx.workDir().resolve(SHARDS);
        int finished = startShards(ctx, shards, identity(ctx, file));
        log.info("{}: {} candidates in {} shards of {}{}", ctx.name(), n, shardCount, config.shardSize(),
                finished == 0 ? "" : "; " + finished + " shards finished by an interrupted attempt are kept");

        long start = System.nanoTime();
        Shards work = new Shards(config, file.toAbsolutePath().toString(),
                ctx.upstreamDir(config.forwardStage()).toAbsolutePath().toString(),
                ctx.upstreamDir(config.reverseStage()).toAbsolutePath().toString(), n);
        long tokens;
        try (ModelPool models = new ModelPool()) {
            tokens = ShardRunner.runMissing(runner, spark, ctx.name(), work, shards, models, log).tokens;
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        // Concatenation: a first pass over the shards picks the best candidates (and sums the metrics), a second
        // writes scores.jsonl with best set.
        Best best = new Best(config.keepBest());
        int scorable = 0, truncated = 0, index = 0;
        double forwardSum = 0, reverseSum = 0;
        for (int i = 0; i < shardCount; i++) {
            for (JsonLines.Line l : JsonLines.read(shardFile(shards, i), "a shard of scored candidates")) {
                JsonNode line = l.node();
                best.offer(index++, line);
                if (!line.get("scorable").asBoolean()) continue;
                scorable++;
                if (line.get("truncated").asBoolean()) truncated++;
                forwardSum += line.get("forward_pmi").asDouble();
                reverseSum += line.get("reverse_pmi").asDouble();
            }
        }
        Set<Integer> chosen = best.chosen();
        AtomicFile.write(ctx.workDir().resolve(SCORES), out -> {
            int at = 0;
            for (int i = 0; i < shardCount; i++) {
                for (JsonLines.Line l : JsonLines.read(shardFile(shards, i), "a shard of scored candidates")) {
                    ((ObjectNode) l.node()).put("best", chosen.contains(at++));
                    out.write(JSON.writeValueAsString(l.node()));
                    out.write('\n');
                }
            }
        });
        Pipeline.deleteTree(shards);

        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("pairs", n);
        metrics.put("scorable", scorable);
        metrics.put("best", chosen.size());
        metrics.put("truncated", truncated);
        if (finished > 0) metrics.put("shards_resumed", finished);
        metrics.put("tokens_per_s", tokens / Math.max(seconds, 1e-9));
        metrics.put("seconds", seconds);
        if (scorable > 0) {
            metrics.put("mean_forward_pmi", forwardSum / scorable);
            metrics.put("mean_reverse_pmi", reverseSum / scorable);
        }
        log.info("{}: {} of {} candidates scorable, {} truncated to a model's length; mean forward PMI {}, reverse PMI {}",
                ctx.name(), scorable, n, truncated, String.format(Locale.ROOT, "%.4f", forwardSum / Math.max(1, scorable)),
                String.format(Locale.ROOT, "%.4f", reverseSum / Math.max(1, scorable)));
        return new StageResult(metrics);
    }

    /** Checks every candidates line (a pass that keeps only the ids) and returns how many there are. */
    private static int check(Path file) throws IOException {
        Set<String> ids = new HashSet<>();
        try (CandidateReader in = new CandidateReader(file)) {
            for (Candidate c = in.next(); c != null; c = in.next()) {
                if (!ids.add(c.id())) throw in.error("id \"" + c.id() + "\" appears twice; expected one line per candidate");
            }
        }
        return ids.size();
    }

    /**
     * Reads candidates.jsonl line by line, with the standard {@code FILE:LINE:} errors: each line a JSON object
     * with a string id, source_id, instruction (may be empty) and a non-empty response.
     */
    private static final class CandidateReader implements AutoCloseable {
        private static final String EXPECTED = "candidates of a synthesize stage";
        private final Path file;
        private final BufferedReader in;
        private JsonLines.Line last;
        private int number;

        CandidateReader(Path file) throws IOException {
            if (!Files.isRegularFile(file)) throw new UserInputException(file + ": no such file (expected " + EXPECTED + ")");
            this.file = file;
            this.in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        }

        /** The next candidate, or null at the end of the file. */
        Candidate next() throws IOException {
            String text;
            do {
                text = in.readLine();
                number++;
            } while (text != null && text.isBlank());
            if (text == null) return null;
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new UserInputException(file + ":" + number + ": not a JSON object (expected " + EXPECTED + "): "
                        + e.getOriginalMessage().lines().findFirst().orElse(""));
            }
            if (!node.isObject()) throw new UserInputException(file + ":" + number + ": not a JSON object (expected " + EXPECTED + ")");
            last = new JsonLines.Line(file.toString(), number, node);
            String response = last.text("response");
            if (response.isBlank()) throw last.error("expected a non-empty \"response\", found \"" + response + "\"");
            last.text("source_id");
            return new Candidate((ObjectNode) node, last.text("id"), last.text("instruction"), response);
        }

        /** An error about the line read last. */
        UserInputException error(String message) {
            return last.error(message);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The candidate's line with its scores (null scores and scorable false when it could not be scored). */
    private static ObjectNode scored(ObjectNode candidate, PairScorer.Scores s) {
        ObjectNode o = candidate.deepCopy();
        String[] names = {"forward_logprob", "response_logprob", "reverse_logprob", "instruction_logprob",
                "response_tokens", "instruction_tokens", "forward_pmi", "reverse_pmi", "mutual", "ifd", "truncated"};
        if (s == null) {
            for (String name : names) o.putNull(name);
            o.put("scorable", false);
            return o;
        }
        o.put("forward_logprob", s.forwardLogprob());
        o.put("response_logprob", s.responseLogprob());
        o.put("reverse_logprob", s.reverseLogprob());
        o.put("instruction_logprob", s.instructionLogprob());
        o.put("response_tokens", s.responseTokens());
        o.put("instruction_tokens", s.instructionTokens());
        o.put("forward_pmi", s.forwardPmi());
        o.put("reverse_pmi", s.reversePmi());
        o.put("mutual", s.mutual());
        o.put("ifd", s.ifd());
        o.put("truncated", s.truncated());
        o.put("scorable", true);
        return o;
    }

    /**
     * The best scorable line of each source_id by keep_best, from lines offered in file order: the highest score
     * (ties: the earlier line), or with "first" the first scorable line. Unscorable lines are never best.
     */
    static final class Best {
        private final String keepBest;
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Double> value = new HashMap<>();

        Best(String keepBest) {
            this.keepBest = keepBest;
        }

        void offer(int i, JsonNode line) {
            if (!line.get("scorable").asBoolean()) return;
            String source = line.get("source_id").asText();
            double v = keepBest.equals("first") ? 0 : line.get(keepBest).asDouble();
            if (!index.containsKey(source) || v > value.get(source)) {
                index.put(source, i);
                value.put(source, v);
            }
        }

        /** The indices of the best lines. */
        Set<Integer> chosen() {
            return new HashSet<>(index.values());
        }
    }

    /**
     * Gets {@code shards/} ready and returns how many finished shards it holds: those of an interrupted attempt with
     * the same identity are kept, anything else is cleared.
     */
    private static int startShards(StageContext ctx, Path shards, String identity) throws IOException {
        Path idFile = shards.resolve("identity.txt");
        if (ctx.resumed() && Files.isRegularFile(idFile)) {
            if (Files.readString(idFile).equals(identity)) {
                int kept = 0;
                try (var files = Files.list(shards)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        String name = p.getFileName().toString();
                        if (name.startsWith("shard-") && name.endsWith(".jsonl")) kept++;
                        else if (!name.equals("identity.txt")) Files.delete(p); // a temp file the kill left
                    }
                }
                return kept;
            }
            log.info("{}: the interrupted attempt scored other inputs (candidates, models or shard_size changed); starting over",
                    ctx.name());
        }
        Pipeline.deleteTree(shards);
        AtomicFile.writeString(idFile, identity);
        return 0;
    }

    /** What finished shards depend on: the candidates, both models and the shard size. */
    private String identity(StageContext ctx, Path candidates) throws IOException {
        return "code " + CODE_VERSION + "\nshard_size " + config.shardSize() + "\ncandidates " + ContentHash.of(candidates)
                + "\nforward " + stageHash(ctx.upstreamDir(config.forwardStage()))
                + "\nreverse " + stageHash(ctx.upstreamDir(config.reverseStage())) + "\n";
    }

    /** A finished stage folder's output hash (from its manifest, else from its files). */
    private static String stageHash(Path dir) throws IOException {
        Manifest m = Manifest.readFrom(dir);
        return m != null ? m.outputsHash() : ContentHash.of(Manifest.hashOutputs(dir).toString());
    }

    static Path shardFile(Path shards, int i) {
        return ShardRunner.shardFile(shards, i);
    }

    static void writeLines(Path file, List<? extends JsonNode> lines) {
        AtomicFile.write(file, out -> {
            for (JsonNode line : lines) {
                out.write(JSON.writeValueAsString(line));
                out.write('\n');
            }
        });
    }
}
