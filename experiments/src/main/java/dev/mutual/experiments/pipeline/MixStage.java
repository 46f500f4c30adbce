package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.Example;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.data.read.DataReader;
import dev.mutual.experiments.main.MainMethod;
import dev.mutual.experiments.recipe.MixConfig;
import dev.mutual.experiments.recipe.SelectConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code mix}: one round's training data, the seed pairs (weight 1) followed by the pairs a select stage kept
 * (weights from {@link MainMethod#syntheticWeights} over their mutual scores, with the round's share from
 * {@link MainMethod#syntheticShare}). Each line of {@code data.jsonl} is an OpenAI chat record, {@code messages}
 * [system?, user, assistant], that {@link DataReader} reads as a pair with its turns and {@code weight}; beside it
 * {@code origin} (seed or synthetic) and, for synthetic pairs, every field of the kept line (provenance, scores,
 * reason). The system prompts tag the two kinds of data, as Humpback did. {@code summary.json} holds the counts,
 * weight sums and the share synthetic pairs actually carry.
 */
final class MixStage implements Stage {

    /** Bump when a change here alters what the stage writes. */
    static final int CODE_VERSION = 1;
    private static final Logger log = LoggerFactory.getLogger(MixStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MixConfig config;

    MixStage(MixConfig config) {
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

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        Path seedFile = ctx.upstreamDir(config.seedStage()).resolve("data.jsonl");
        List<Example> seed = DataReader.read(seedFile, DataReader.Options.defaults()).examples();
        for (Example e : seed) {
            if (!e.isPair()) {
                throw new UserInputException("stages." + ctx.name() + ".seed_stage: " + e.sourceFile() + " line " + e.line()
                        + " (id " + e.id() + "): expected instruction-response pairs, found an unlabelled response");
            }
        }
        if (seed.isEmpty()) throw new UserInputException("stages." + ctx.name() + ".seed_stage: " + seedFile + " holds no seed pairs");

        List<JsonLines.Line> kept = List.of();
        if (config.selectedStage() != null) {
            kept = JsonLines.read(ctx.upstreamDir(config.selectedStage()).resolve("kept.jsonl"), "the kept pairs of a select stage");
        }
        double[] scores = new double[kept.size()];
        for (int i = 0; i < scores.length; i++) {
            JsonNode m = kept.get(i).node().get("mutual");
            if (m == null || !m.isNumber()) throw kept.get(i).error("expected a number field \"mutual\" (the pair's mutual score), found " + m);
            scores[i] = m.asDouble();
        }
        MainMethod.Weighting mode = config.weighting();
        double share = MainMethod.syntheticShare(mode, config.syntheticShare(), config.round(), config.rounds());
        double[] weights = MainMethod.syntheticWeights(mode, scores, seed.size(), share, config.temperature());

        List<ObjectNode> out = new ArrayList<>();
        for (Example e : seed) out.add(seedLine(e));
        double syntheticSum = 0, min = Double.POSITIVE_INFINITY, max = 0;
        for (int i = 0; i < kept.size(); i++) {
            out.add(syntheticLine(kept.get(i), weights[i]));
            syntheticSum += weights[i];
            min = Math.min(min, weights[i]);
            max = Math.max(max, weights[i]);
        }
        AtomicFile.write(ctx.workDir().resolve("data.jsonl"), w -> {
            for (ObjectNode o : out) w.write(JSON.writeValueAsString(o) + "\n");
        });

        ObjectNode summary = JSON.createObjectNode();
        summary.put("weighting", SelectConfig.name(mode));
        summary.put("round", config.round());
        summary.put("rounds", config.rounds());
        summary.put("synthetic_share", share);
        summary.put("temperature", config.temperature());
        ObjectNode s = summary.putObject("seed");
        s.put("count", seed.size());
        s.put("weight_sum", (double) seed.size());
        ObjectNode y = summary.putObject("synthetic");
        y.put("count", kept.size());
        y.put("weight_sum", syntheticSum);
        if (kept.size() > 0) {
            y.put("weight_min", min);
            y.put("weight_max", max);
        }
        // What synthetic pairs carry in the end: the asked share, except under constant weights.
        double actual = syntheticSum / (syntheticSum + seed.size());
        summary.put("share", actual);
        AtomicFile.writeString(ctx.workDir().resolve("summary.json"), summary.toPrettyString() + "\n");
        log.info("mix {}: {} seed pairs (weight {}) + {} synthetic pairs (weight {}, share {})", ctx.name(), seed.size(),
                seed.size(), kept.size(), String.format("%.3f", syntheticSum), String.format("%.3f", actual));

        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("seed", seed.size());
        metrics.put("synthetic", kept.size());
        metrics.put("synthetic_weight", syntheticSum);
        metrics.put("share", actual);
        return new StageResult(metrics);
    }

    /** A seed pair: its conversation (its own turns when multi-turn), seed_system first unless it has a system turn. */
    private ObjectNode seedLine(Example e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", e.id());
        ArrayNode messages = o.putArray("messages");
        boolean hasSystem = !e.turns().isEmpty() && e.turns().get(0).role().equals("system");
        if (config.seedSystem() != null && !hasSystem) message(messages, "system", config.seedSystem());
        if (e.turns().isEmpty()) {
            message(messages, "user", e.fullInstruction());
            message(messages, "assistant", e.response());
        } else {
            for (Example.Turn t : e.turns()) message(messages, t.role(), t.content());
        }
        o.put("weight", 1.0);
        o.put("origin", "seed");
        return o;
    }

    /** A kept pair: [synthetic_system], user = x̂, assistant = y', then every field of its select line. */
    private ObjectNode syntheticLine(JsonLines.Line line, double weight) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", line.text("id"));
        ArrayNode messages = o.putArray("messages");
        if (config.syntheticSystem() != null) message(messages, "system", config.syntheticSystem());
        message(messages, "user", line.text("instruction"));
        message(messages, "assistant", line.text("response"));
        o.put("weight", weight);
        o.put("origin", "synthetic");
        for (Iterator<Map.Entry<String, JsonNode>> it = line.node().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!o.has(f.getKey())) o.set(f.getKey(), f.getValue());
        }
        return o;
    }

    private static void message(ArrayNode messages, String role, String content) {
        messages.addObject().put("role", role).put("content", content);
    }
}
