package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.main.PairScorer;
import dev.mutual.experiments.recipe.CurateConfig;
import dev.mutual.experiments.recipe.SelectConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code curate}: Humpback's self-curation. Every chosen candidate pair (x̂, y') is rated 1-5 by
 * {@link SelfCurationRater} (the 5-point prompt; generate: the reply's closing "Score: N", null when it has none;
 * likelihood: the most likely reply "Score: k", its five log-likelihoods written beside it), the rating the diagnose
 * stage's {@code rating} computes too. Candidates left out by {@code candidates} and those with an empty instruction
 * are not rated. Writes {@code ratings.jsonl} (id, source_id, round, candidate, rating, raw, method) and
 * {@code summary.json} (count per rating, unparsed; with a judge, {@code judge}: its name, or "offline judge (Mutual serve:
 * MODEL)" for a model that {@code mutual serve} answers with). A judge that cannot be reached stops the stage with a message
 * naming its url.
 */
final class CurateStage implements Stage {

    /** Bump when a change here, in SelfCurationRater or to the shipped prompt alters what the stage writes. */
    static final int CODE_VERSION = 2;
    private static final Logger log = LoggerFactory.getLogger(CurateStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CurateConfig config;
    private final Map<String, String> env;

    /** @param env the environment the judge's API key is read from */
    CurateStage(CurateConfig config, Map<String, String> env) {
        this.config = config;
        this.env = env;
    }

    @Override
    public int codeVersion() {
        return CODE_VERSION;
    }

    @Override
    public List<Path> inputFiles() {
        return config.prompt() == null ? List.of() : List.of(config.prompt());
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        Path dir = ctx.upstreamDir(config.pairsStage());
        boolean scored = Files.isRegularFile(dir.resolve("scores.jsonl"));
        Path file = dir.resolve(scored ? "scores.jsonl" : "candidates.jsonl");
        List<CandidateLine> lines = CandidateLine.read(file, scored);
        Map<String, Integer> siblings = CandidateLine.candidatesPerSource(lines);
        List<CandidateLine> pairs = new ArrayList<>();
        int notChosen = 0, empty = 0;
        for (CandidateLine l : lines) {
            if (l.notChosen(config.candidates(), siblings.get(l.sourceId())) != null) notChosen++;
            else if (l.instruction().isBlank()) empty++;
            else pairs.add(l);
        }
        if (pairs.isEmpty()) {
            throw new UserInputException("stages." + ctx.name() + ": no candidate to rate in " + file + " (" + lines.size()
                    + " lines: " + notChosen + " left out by candidates: " + SelectConfig.name(config.candidates()) + ", " + empty
                    + " with an empty instruction)");
        }
        SelfCurationRater rater = new SelfCurationRater(config.rating(), "", env);
        List<PairScorer.Pair> toRate = new ArrayList<>();
        for (CandidateLine l : pairs) toRate.add(new PairScorer.Pair(l.id(), l.instruction(), l.response()));
        List<SelfCurationRater.Rated> rated = rater.rate(ctx, toRate);

        String method = rater.method();
        int[] perRating = new int[6];
        int unparsed = 0;
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            CandidateLine l = pairs.get(i);
            SelfCurationRater.Rated r = rated.get(i);
            ObjectNode o = JSON.createObjectNode();
            o.put("id", l.id());
            o.put("source_id", l.sourceId());
            o.set("round", l.line().node().get("round"));
            o.put("candidate", l.candidate());
            if (r.rating() == null) {
                o.putNull("rating");
                unparsed++;
            } else {
                o.put("rating", r.rating());
                perRating[r.rating()]++;
            }
            o.put("raw", r.raw());
            o.put("method", method);
            if (r.logprobs() != null) {
                var lp = o.putArray("score_logprobs");
                for (double v : r.logprobs()) lp.add(v);
            }
            out.add(o);
        }
        AtomicFile.write(ctx.workDir().resolve("ratings.jsonl"), w -> {
            for (ObjectNode o : out) w.write(JSON.writeValueAsString(o) + "\n");
        });
        ObjectNode summary = JSON.createObjectNode();
        summary.put("method", method);
        summary.put("rater", rater.rater());
        if (rater.judgeLabel() != null) summary.put("judge", rater.judgeLabel());
        summary.put("prompt", rater.prompt().source());
        summary.put("rated", pairs.size());
        ObjectNode counts = summary.putObject("ratings");
        for (int k = 1; k <= 5; k++) counts.put(String.valueOf(k), perRating[k]);
        summary.put("unparsed", unparsed);
        summary.put("not_chosen", notChosen);
        summary.put("empty_instruction", empty);
        AtomicFile.writeString(ctx.workDir().resolve("summary.json"), summary.toPrettyString() + "\n");
        log.info("curate {}: ratings 1-5 {}, unparsed {}", ctx.name(), Arrays.toString(Arrays.copyOfRange(perRating, 1, 6)), unparsed);

        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("rated", pairs.size());
        for (int k = 1; k <= 5; k++) metrics.put("rating_" + k, perRating[k]);
        metrics.put("unparsed", unparsed);
        return new StageResult(metrics);
    }
}
