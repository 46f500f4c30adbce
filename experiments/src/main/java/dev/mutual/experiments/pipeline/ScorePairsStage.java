package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.JsonLines;
import dev.mutual.data.Progress;
import dev.mutual.experiments.main.PairScorer;
import dev.mutual.experiments.recipe.ScorePairsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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

    ScorePairsStage(ScorePairsConfig config) {
        this.config = config;
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
    private record Candidate(ObjectNode line, String id, String sourceId, String instruction, String response) {}

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        Path file = ctx.upstreamDir(config.candidatesStage()).resolve(CANDIDATES);
        List<Candidate> candidates = read(file);
        int n = candidates.size();
        int shardCount = (n + config.shardSize() - 1) / config.shardSize();
        Path shards = ctx.workDir().resolve(SHARDS);
        int finished = startShards(ctx, shards, identity(ctx, file));
        log.info("{}: {} candidates in {} shards of {}{}", ctx.name(), n, shardCount, config.shardSize(),
                finished == 0 ? "" : "; " + finished + " shards finished by an interrupted attempt are kept");

        long start = System.nanoTime();
        long tokens = 0;
        int done = 0;
        for (int i = 0; i < shardCount; i++) if (Files.isRegularFile(shardFile(shards, i))) done += shardSize(i, n);
        Progress progress = new Progress(log, ctx.name(), n, "pairs", 5000).startingAt(done);
        TrainedModel forward = null, reverse = null;
        try {
            for (int i = 0; i < shardCount; i++) {
                Path out = shardFile(shards, i);
                if (Files.isRegularFile(out)) continue;
                if (forward == null) {
                    forward = TrainedModel.open(ctx.upstreamDir(config.forwardStage()));
                    reverse = TrainedModel.open(ctx.upstreamDir(config.reverseStage()));
                }
                List<Candidate> shard = candidates.subList(i * config.shardSize(), i * config.shardSize() + shardSize(i, n));
                List<PairScorer.Pair> pairs = new ArrayList<>();
                for (Candidate c : shard) pairs.add(new PairScorer.Pair(c.id(), c.instruction(), c.response()));
                int before = done;
                PairScorer.Result result = new PairScorer(forward, reverse, config.batchSize())
                        .score(pairs, f -> progress.update(before + Math.round(f * shard.size())));
                tokens += result.tokens();
                List<ObjectNode> lines = new ArrayList<>();
                for (int k = 0; k < shard.size(); k++) lines.add(scored(shard.get(k).line(), result.scores().get(k)));
                writeLines(out, lines);
                done += shard.size();
                progress.update(done);
            }
        } finally {
            if (forward != null) forward.close();
            if (reverse != null) reverse.close();
        }
        progress.finish();
        double seconds = (System.nanoTime() - start) / 1e9;

        List<ObjectNode> all = new ArrayList<>(n);
        for (int i = 0; i < shardCount; i++) {
            for (JsonLines.Line l : JsonLines.read(shardFile(shards, i), "a shard of scored candidates")) all.add((ObjectNode) l.node());
        }
        markBest(all, config.keepBest());
        writeLines(ctx.workDir().resolve(SCORES), all);
        Pipeline.deleteTree(shards);

        Map<String, Number> metrics = new LinkedHashMap<>();
        int scorable = 0, truncated = 0, best = 0;
        double forwardSum = 0, reverseSum = 0;
        for (ObjectNode line : all) {
            if (!line.get("scorable").asBoolean()) continue;
            scorable++;
            if (line.get("truncated").asBoolean()) truncated++;
            if (line.get("best").asBoolean()) best++;
            forwardSum += line.get("forward_pmi").asDouble();
            reverseSum += line.get("reverse_pmi").asDouble();
        }
        metrics.put("pairs", n);
        metrics.put("scorable", scorable);
        metrics.put("best", best);
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

    /** The candidates, each line checked: a string id (unique), source_id, instruction (may be empty) and response. */
    private static List<Candidate> read(Path file) {
        List<Candidate> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (JsonLines.Line l : JsonLines.read(file, "candidates of a synthesize stage")) {
            String id = l.text("id");
            if (!ids.add(id)) throw l.error("id \"" + id + "\" appears twice; expected one line per candidate");
            String response = l.text("response");
            if (response.isBlank()) throw l.error("expected a non-empty \"response\", found \"" + response + "\"");
            out.add(new Candidate((ObjectNode) l.node(), id, l.text("source_id"), l.text("instruction"), response));
        }
        return out;
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
     * Sets {@code best} on every line: true for one scorable line per source_id, the highest by {@code keepBest}
     * (ties and "first": the earliest line); false elsewhere, and for every unscorable line.
     */
    static void markBest(List<ObjectNode> lines, String keepBest) {
        Map<String, Integer> best = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode line = lines.get(i);
            if (!line.get("scorable").asBoolean()) continue;
            String source = line.get("source_id").asText();
            Integer current = best.get(source);
            if (current == null || !keepBest.equals("first")
                    && line.get(keepBest).asDouble() > lines.get(current).get(keepBest).asDouble()) {
                best.put(source, i);
            }
        }
        Set<Integer> chosen = new HashSet<>(best.values());
        for (int i = 0; i < lines.size(); i++) lines.get(i).put("best", chosen.contains(i));
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
        return shards.resolve(String.format(Locale.ROOT, "shard-%05d.jsonl", i));
    }

    private int shardSize(int i, int n) {
        return Math.min(config.shardSize(), n - i * config.shardSize());
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
