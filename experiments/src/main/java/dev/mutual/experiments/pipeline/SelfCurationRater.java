package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
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
import dev.mutual.experiments.main.PairScorer;
import dev.mutual.experiments.recipe.CurateConfig;
import dev.mutual.experiments.recipe.JudgeConfig;
import dev.mutual.experiments.recipe.SelectConfig;
import dev.mutual.trainer.inference.Scorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Humpback's self-curation rating of (instruction, response) pairs, the one implementation that the {@code curate}
 * stage and the {@code diagnose} stage's {@code rating} call. Each pair goes into the 5-point rating prompt
 * ({@link SelfCurationPrompt}), and a rater answers:
 * <ul>
 *   <li>generate (a forward model of the run, greedy, or a judge endpoint at temperature 0): the reply is kept as
 *       {@code raw} and its closing "Score: N" is the rating, null when it has none;</li>
 *   <li>likelihood (a model of the run): the rating k whose reply "Score: k" (the whole reply, with its end of turn,
 *       as training would mask it) has the highest log-likelihood after the prompt. It always yields a rating, even
 *       from a model too small to write the rubric's reasoning; the five log-likelihoods come with it.</li>
 * </ul>
 * A judge that cannot be reached, a missing API key, a model of the wrong direction or a prompt too long for the model
 * stops with a message naming the stage's key.
 */
final class SelfCurationRater {

    private static final Logger log = LoggerFactory.getLogger(SelfCurationRater.class);

    /**
     * One rating.
     *
     * @param rating   1-5, or null when the reply ends with no "Score: N"
     * @param raw      the rater's reply
     * @param logprobs likelihood: log p("Score: k" | prompt) for k = 1..5, else null
     */
    record Rated(Integer rating, String raw, double[] logprobs) {}

    private final CurateConfig.Rating settings;
    private final String keys;
    private final Map<String, String> env;
    private final SelfCurationPrompt prompt;
    /** The judge as reports name it, once it was asked (see OpenAiChatClient.label). */
    private String judgeLabel;

    /**
     * @param settings who rates and how
     * @param keys     where the rater keys sit in the stage, for messages: "" (curate) or "rating." (diagnose)
     * @param env      the environment the judge's API key is read from
     */
    SelfCurationRater(CurateConfig.Rating settings, String keys, Map<String, String> env) {
        this.settings = settings;
        this.keys = keys;
        this.env = env;
        this.prompt = SelfCurationPrompt.load(settings.prompt());
    }

    /** The rating prompt in use. */
    SelfCurationPrompt prompt() {
        return prompt;
    }

    /** How the ratings were obtained, as ratings.jsonl writes it: judge, generate or likelihood. */
    String method() {
        return settings.judge() != null ? "judge" : SelectConfig.name(settings.method());
    }

    /**
     * The judge as reports name it: its model name, or "offline judge (Mutual serve: MODEL)" once asked when it is a
     * {@code mutual serve}; null when a model of the run rates.
     */
    String judgeLabel() {
        if (settings.judge() == null) return null;
        return judgeLabel != null ? judgeLabel : settings.judge().model();
    }

    /** Who rates, for logs and summaries: "judge MODEL at URL", "offline judge (Mutual serve: MODEL) at URL" or "model_stage S". */
    String rater() {
        if (settings.judge() == null) return "model_stage " + settings.modelStage();
        String label = judgeLabel();
        return (label.equals(settings.judge().model()) ? "judge " + label : label) + " at " + settings.judge().url();
    }

    /** Rates {@code pairs} (their instructions not blank), one {@link Rated} each, in order; messages name {@code ctx}'s stage. */
    List<Rated> rate(StageContext ctx, List<PairScorer.Pair> pairs) {
        List<String> prompts = new ArrayList<>();
        for (PairScorer.Pair p : pairs) prompts.add(prompt.fill(p.instruction(), p.response()));
        log.info("{}: rating {} pairs by {} (prompt {})", ctx.name(), pairs.size(),
                settings.judge() != null ? rater() : rater() + ", method " + method(), prompt.source());
        return settings.judge() != null ? byJudge(ctx.name(), prompts) : byModel(ctx, pairs, prompts);
    }

    /** Ratings by the forward model of the run: its replies, or the likelihoods of the five "Score: k" replies. */
    private List<Rated> byModel(StageContext ctx, List<PairScorer.Pair> pairs, List<String> prompts) {
        try (TrainedModel model = TrainedModel.open(ctx.upstreamDir(settings.modelStage()))) {
            if (model.info().direction() != PairDirection.FORWARD) {
                throw new UserInputException("stages." + ctx.name() + "." + keys + "model_stage: stage " + settings.modelStage()
                        + " trained a " + model.info().direction().recipeName() + " model; expected a forward one");
            }
            ChatEncoder encoder = model.encoder();
            int positions = model.model().decoder().config().maxPositions();
            List<Rated> out = new ArrayList<>();
            if (settings.method() == CurateConfig.Method.GENERATE) {
                boolean[] fits = new boolean[prompts.size()];
                List<String> fitting = new ArrayList<>();
                for (int i = 0; i < prompts.size(); i++) {
                    int length = encoder.promptIds(List.of(ChatMessage.user(prompts.get(i)))).length;
                    fits[i] = length < positions;
                    if (fits[i]) fitting.add(prompts.get(i));
                    else warnTooLong(ctx.name(), pairs.get(i), length, positions);
                }
                ModelTextGenerator generator = new ModelTextGenerator(model.model().decoder(), model.tokenizer(),
                        model.model().eosTokenIds(), model.template(), settings.batchSize());
                List<String> replies = generator.generate(fitting, GenerationSettings.greedy(settings.maxNewTokens(), List.of(), true));
                for (int i = 0, j = 0; i < prompts.size(); i++) {
                    if (!fits[i]) {
                        out.add(new Rated(null, TOO_LONG, null));
                        continue;
                    }
                    String reply = replies.get(j++);
                    out.add(new Rated(SelfCurationPrompt.rating(reply), reply, null));
                }
                return out;
            }
            List<Scorer.Request> requests = new ArrayList<>();
            int[] first = new int[prompts.size()];  // index of the pair's first reply request, -1 when it does not fit
            for (int i = 0; i < prompts.size(); i++) {
                List<Scorer.Request> five = new ArrayList<>();
                for (int k = 1; k <= 5; k++) {
                    five.add(replyRequest(encoder, List.of(ChatMessage.user(prompts.get(i)),
                            ChatMessage.assistant(SelfCurationPrompt.reply(k)))));
                }
                int longest = five.stream().mapToInt(Scorer.Request::length).max().orElse(0);
                if (longest > positions) {
                    warnTooLong(ctx.name(), pairs.get(i), longest, positions);
                    first[i] = -1;
                    continue;
                }
                first[i] = requests.size();
                requests.addAll(five);
            }
            Progress progress = new Progress(log, ctx.name() + ": rating (likelihood)", requests.size(), "replies", 5000);
            List<Scorer.Score> scores = new Scorer(model.model().decoder(), settings.batchSize()).score(requests, progress::update);
            progress.finish();
            for (int i = 0; i < prompts.size(); i++) {
                if (first[i] < 0) {
                    out.add(new Rated(null, TOO_LONG, null));
                    continue;
                }
                double[] lp = new double[5];
                int best = 0;
                for (int k = 0; k < 5; k++) {
                    lp[k] = scores.get(first[i] + k).sumLogprob();
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

    /** What a pair whose rating prompt does not fit the model gets as its raw reply; its rating is null (unrated). */
    static final String TOO_LONG = "(not rated: the rating prompt is longer than the model's context)";

    private void warnTooLong(String stage, PairScorer.Pair pair, int length, int positions) {
        log.warn("{}: the rating prompt for pair {} is {} tokens and model stage {} has {} positions: left unrated"
                + " (a shorter {}prompt or a longer context rates it)", stage, pair.id(), length, settings.modelStage(),
                positions, keys);
    }

    /** Ratings by the judge endpoint, at temperature 0; any failure to reach it stops the stage. */
    private List<Rated> byJudge(String stage, List<String> prompts) {
        JudgeConfig j = settings.judge();
        String key = null;
        if (!j.apiKeyEnv().isEmpty()) {
            key = env.get(j.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new UserInputException("stages." + stage + "." + keys + "judge.api_key_env: environment variable " + j.apiKeyEnv()
                        + " is not set; export the judge's API key there, or set api_key_env: '' for a server that needs none");
            }
        }
        OpenAiChatClient client = new OpenAiChatClient(new JudgeEndpoint(URI.create(j.url()), j.model(), Duration.ofSeconds(120),
                j.maxAttempts(), Duration.ofSeconds(1), Duration.ofSeconds(60)), key);
        judgeLabel = client.label();
        DecodingSettings decoding = new DecodingSettings(0, settings.maxNewTokens(), 0);
        List<String> replies;
        try {
            replies = new JudgeRunner(j.maxConcurrency()).run(stage + ": rating", prompts.size(),
                    i -> client.complete(List.of(ChatMessage.user(prompts.get(i))), decoding).content());
        } catch (JudgeException e) {
            throw new UserInputException("stages." + stage + "." + keys + "judge.url: no ratings from the judge at " + j.url()
                    + " (model " + j.model() + "): " + e.getMessage() + ". Check " + keys + "judge.url and " + keys
                    + "judge.api_key_env; no output was written", e);
        }
        List<Rated> out = new ArrayList<>();
        for (String reply : replies) out.add(new Rated(SelfCurationPrompt.rating(reply), reply, null));
        return out;
    }
}
