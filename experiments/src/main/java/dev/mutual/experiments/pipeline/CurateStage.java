package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.data.chat.PairDirection;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.judge.DecodingSettings;
import dev.mutual.eval.judge.JudgeEndpoint;
import dev.mutual.eval.judge.JudgeException;
import dev.mutual.eval.judge.JudgeRunner;
import dev.mutual.eval.judge.OpenAiChatClient;
import dev.mutual.eval.model.ModelTextGenerator;
import dev.mutual.experiments.recipe.CurateConfig;
import dev.mutual.experiments.recipe.JudgeConfig;
import dev.mutual.experiments.recipe.SelectConfig;
import dev.mutual.trainer.inference.Scorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code curate}: Humpback's self-curation. Every chosen candidate pair (x̂, y') goes into the 5-point rating
 * prompt, and a rater answers:
 * <ul>
 *   <li>generate (a forward model of the run, greedy, or a judge endpoint at temperature 0): the reply is kept as
 *       {@code raw} and its closing "Score: N" is the rating, null when it has none;</li>
 *   <li>likelihood (a model of the run): the rating k whose reply "Score: k" (the whole reply, with its end of turn,
 *       as training would mask it) has the highest log-likelihood after the prompt. It always yields a rating, even
 *       from a model too small to write the rubric's reasoning; the five log-likelihoods are written beside it.</li>
 * </ul>
 * Candidates left out by {@code candidates} and those with an empty instruction are not rated. Writes
 * {@code ratings.jsonl} (id, source_id, round, candidate, rating, raw, method) and {@code summary.json} (count per
 * rating, unparsed). A judge that cannot be reached stops the stage with a message naming its url.
 */
final class CurateStage implements Stage {

    /** Bump when a change here (or to the shipped prompt) alters what the stage writes. */
    static final int CODE_VERSION = 1;
    private static final Logger log = LoggerFactory.getLogger(CurateStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CurateConfig config;
    private final Map<String, String> env;

    /** @param env the environment the judge's API key is read from */
    CurateStage(CurateConfig config, Map<String, String> env) {
        this.config = config;
        this.env = env;
    }

    /**
     * One rating.
     *
     * @param rating   1-5, or null when the reply ends with no "Score: N"
     * @param raw      the rater's reply
     * @param logprobs likelihood: log p("Score: k" | prompt) for k = 1..5, else null
     */
    record Rated(Integer rating, String raw, double[] logprobs) {}

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
        SelfCurationPrompt prompt = SelfCurationPrompt.load(config.prompt());
        List<String> prompts = new ArrayList<>();
        for (CandidateLine l : pairs) prompts.add(prompt.fill(l.instruction(), l.response()));
        log.info("curate {}: rating {} pairs with {} ({})", ctx.name(), pairs.size(), rater(), prompt.source());

        List<Rated> rated = config.judge() != null ? byJudge(ctx.name(), prompts) : byModel(ctx, pairs, prompts);

        String method = config.judge() != null ? "judge" : SelectConfig.name(config.method());
        int[] perRating = new int[6];
        int unparsed = 0;
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            CandidateLine l = pairs.get(i);
            Rated r = rated.get(i);
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
        summary.put("rater", rater());
        summary.put("prompt", prompt.source());
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

    private String rater() {
        return config.judge() != null ? "judge " + config.judge().model() + " at " + config.judge().url()
                : "model_stage " + config.modelStage();
    }

    /** Ratings by the forward model of the run: its replies, or the likelihoods of the five "Score: k" replies. */
    private List<Rated> byModel(StageContext ctx, List<CandidateLine> pairs, List<String> prompts) {
        try (TrainedModel model = TrainedModel.open(ctx.upstreamDir(config.modelStage()))) {
            if (model.info().direction() != PairDirection.FORWARD) {
                throw new UserInputException("stages." + ctx.name() + ".model_stage: stage " + config.modelStage() + " trained a "
                        + model.info().direction().recipeName() + " model; expected a forward one");
            }
            ChatEncoder encoder = model.encoder();
            int positions = model.model().decoder().config().maxPositions();
            List<Rated> out = new ArrayList<>();
            if (config.method() == CurateConfig.Method.GENERATE) {
                for (int i = 0; i < prompts.size(); i++) {
                    int length = encoder.promptIds(List.of(ChatMessage.user(prompts.get(i)))).length;
                    if (length >= positions) throw tooLong(ctx.name(), pairs.get(i), length, positions);
                }
                ModelTextGenerator generator = new ModelTextGenerator(model.model().decoder(), model.tokenizer(),
                        model.model().eosTokenIds(), model.template(), config.batchSize());
                for (String reply : generator.generate(prompts, GenerationSettings.greedy(config.maxNewTokens(), List.of(), true))) {
                    out.add(new Rated(SelfCurationPrompt.rating(reply), reply, null));
                }
                return out;
            }
            List<Scorer.Request> requests = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                for (int k = 1; k <= 5; k++) {
                    Scorer.Request r = replyRequest(encoder, List.of(ChatMessage.user(prompts.get(i)),
                            ChatMessage.assistant(SelfCurationPrompt.reply(k))));
                    if (r.length() > positions) throw tooLong(ctx.name(), pairs.get(i), r.length(), positions);
                    requests.add(r);
                }
            }
            Progress progress = new Progress(log, "curate " + ctx.name() + " (likelihood)", requests.size(), "replies", 5000);
            List<Scorer.Score> scores = new Scorer(model.model().decoder(), config.batchSize()).score(requests, progress::update);
            progress.finish();
            for (int i = 0; i < prompts.size(); i++) {
                double[] lp = new double[5];
                int best = 0;
                for (int k = 0; k < 5; k++) {
                    lp[k] = scores.get(5 * i + k).sumLogprob();
                    if (lp[k] > lp[best]) best = k;  // ties go to the lower rating
                }
                out.add(new Rated(best + 1, SelfCurationPrompt.reply(best + 1), lp));
            }
            return out;
        }
    }

    /**
     * The (prompt, target) ids of a conversation's reply as training sees it: the target is the tokens the loss
     * mask marks (the reply and its end-of-turn token), the prompt everything before them.
     */
    static Scorer.Request replyRequest(ChatEncoder encoder, List<ChatMessage> conversation) {
        EncodedChat chat = encoder.encode(conversation);
        int first = -1, last = -1;
        for (int i = 0; i < chat.lossMask().length; i++) {
            if (chat.lossMask()[i] == 1) {
                if (first < 0) first = i;
                last = i;
            }
        }
        if (first <= 0) throw new IllegalStateException("the chat template marked no reply tokens after a prompt in: " + chat.text());
        return new Scorer.Request(Arrays.copyOfRange(chat.ids(), 0, first), Arrays.copyOfRange(chat.ids(), first, last + 1));
    }

    private UserInputException tooLong(String stage, CandidateLine pair, int length, int positions) {
        return new UserInputException("stages." + stage + ".prompt: the rating prompt for candidate " + pair.id() + " is " + length
                + " tokens, and model stage " + config.modelStage() + " has " + positions + " positions, leaving no room to"
                + " rate: use a shorter prompt (prompt: PATH) or a model with a longer context");
    }

    /** Ratings by the judge endpoint, at temperature 0; any failure to reach it stops the stage. */
    private List<Rated> byJudge(String stage, List<String> prompts) {
        JudgeConfig j = config.judge();
        String key = null;
        if (!j.apiKeyEnv().isEmpty()) {
            key = env.get(j.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new UserInputException("stages." + stage + ".judge.api_key_env: environment variable " + j.apiKeyEnv()
                        + " is not set; export the judge's API key there, or set api_key_env: '' for a server that needs none");
            }
        }
        OpenAiChatClient client = new OpenAiChatClient(new JudgeEndpoint(URI.create(j.url()), j.model(), Duration.ofSeconds(120),
                j.maxAttempts(), Duration.ofSeconds(1), Duration.ofSeconds(60)), key);
        DecodingSettings decoding = new DecodingSettings(0, config.maxNewTokens(), 0);
        List<String> replies;
        try {
            replies = new JudgeRunner(j.maxConcurrency()).run("curate " + stage, prompts.size(),
                    i -> client.complete(List.of(ChatMessage.user(prompts.get(i))), decoding).content());
        } catch (JudgeException e) {
            throw new UserInputException("stages." + stage + ".judge.url: no ratings from the judge at " + j.url() + " (model "
                    + j.model() + "): " + e.getMessage() + ". Check judge.url and judge.api_key_env; no output was written", e);
        }
        List<Rated> out = new ArrayList<>();
        for (String reply : replies) out.add(new Rated(SelfCurationPrompt.rating(reply), reply, null));
        return out;
    }
}
