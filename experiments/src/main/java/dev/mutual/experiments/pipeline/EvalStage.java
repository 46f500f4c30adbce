package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.GenerationSettings;
import dev.mutual.eval.alpaca.AlpacaJudgePrompt;
import dev.mutual.eval.alpaca.AlpacaPrompt;
import dev.mutual.eval.alpaca.ModelOutput;
import dev.mutual.eval.alpaca.ModelOutputs;
import dev.mutual.eval.ifeval.IfevalEvaluator;
import dev.mutual.eval.ifeval.IfevalPrompt;
import dev.mutual.eval.ifeval.IfevalPrompts;
import dev.mutual.eval.judge.JudgeEndpoint;
import dev.mutual.eval.judge.JudgeException;
import dev.mutual.eval.judge.OpenAiChatClient;
import dev.mutual.eval.model.ModelLogLikelihoodScorer;
import dev.mutual.eval.model.ModelTextGenerator;
import dev.mutual.eval.reasoning.ReasoningItem;
import dev.mutual.eval.reasoning.ReasoningTask;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.run.IfevalRun;
import dev.mutual.eval.run.LikelihoodRun;
import dev.mutual.eval.run.Limits;
import dev.mutual.eval.run.PairwiseRun;
import dev.mutual.eval.run.ReasoningRun;
import dev.mutual.experiments.recipe.EvalConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code eval} stage: opens a train stage's model with the chat template it was trained with and runs each
 * configured benchmark through the eval library (the same code as {@code mutual eval ...}), one folder per
 * benchmark in the {@code EvalResultFiles} layout, then {@value #SUMMARY}: per benchmark the primary metric, items,
 * seconds and tokens/s (generated tokens for generation benchmarks, scored tokens for held-out likelihood).
 *
 * <p>Held-out likelihood scores each reference reply y as the model was trained on it: the conversation user = x,
 * assistant = y in the model's chat template (no system message), the reply and its end-of-turn token as the
 * continuation (the tokens the training loss covers), everything before them as context. {@code mutual eval
 * likelihood --model} instead scores raw text (encode(x) with BOS, then y), as lm-evaluation-harness does for base
 * models; a chat model's score is only meaningful in the form it was trained on.
 */
final class EvalStage implements Stage {
    private static final Logger log = LoggerFactory.getLogger(EvalStage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The benchmark folders the report compares, in order (pairwise is judged against another stage instead). */
    static final List<String> BENCHMARKS = List.of("ifeval", "heldout", "gsm8k", "strategyqa");
    static final String PAIRWISE = "pairwise";
    static final String SUMMARY = "summary.json";
    /** What summary.json (and so the report) says for a pairwise block without a judge. */
    static final String NO_JUDGE = "no judge configured";

    private final EvalConfig config;
    private final String recipeName;
    private final long seed;

    EvalStage(EvalConfig config, String recipeName, long seed) {
        this.config = config;
        this.recipeName = recipeName;
        this.seed = seed;
    }

    @Override
    public int codeVersion() {
        return 2;  // 2: summary.json names the pairwise judge
    }

    @Override
    public List<Path> inputFiles() {
        return config.inputFiles();
    }

    @Override
    public StageResult run(StageContext ctx) {
        EvalConfig.Pairwise pairwise = config.pairwise();
        // a missing API key stops the stage before any generation
        OpenAiChatClient judge = pairwise != null && pairwise.judge() != null ? judgeClient(pairwise.judge()) : null;
        long start = System.nanoTime();
        Map<String, Number> metrics = new LinkedHashMap<>();
        ObjectNode summary = JSON.createObjectNode();
        summary.put("model_stage", config.modelStage());
        ObjectNode benchmarks = summary.putObject("benchmarks");
        long tokens = 0, promptsTooLong = 0;
        try (TrainedModel m = TrainedModel.open(ctx.upstreamDir(config.modelStage()))) {
            summary.put("chat_template", m.info().chatTemplate());
            ModelTextGenerator generator = new ModelTextGenerator(m.model().decoder(), m.tokenizer(), m.model().eosTokenIds(),
                    m.template(), config.system(), config.batchSize()).emptyReplyWhenPromptTooLong();
            EvalResult.RunInfo info = new EvalResult.RunInfo(config.modelStage(), ctx.name(), recipeName, "unknown");
            Map<String, Object> base = new LinkedHashMap<>();
            base.put("model_stage", config.modelStage());
            base.put("batch_size", config.batchSize());
            if (config.system() != null) base.put("system", config.system());

            if (config.ifeval() != null) {
                long t0 = System.nanoTime(), g0 = generator.generatedTokens();
                EvalOutcome o = ifeval(config.ifeval(), generator, m.info().chatTemplate(), ctx.workDir().resolve("ifeval"), info, base);
                tokens += summarize(benchmarks, metrics, "ifeval", o, t0, generator.generatedTokens() - g0);
            }
            if (config.heldout() != null) {
                long t0 = System.nanoTime();
                ModelLogLikelihoodScorer scorer = ModelLogLikelihoodScorer.chat(m.model().decoder(), m.encoder(), config.system(), config.batchSize());
                EvalOutcome o = heldout(config.heldout(), scorer, m.info().chatTemplate(), ctx.workDir().resolve("heldout"), info, base);
                tokens += summarize(benchmarks, metrics, "heldout", o, t0, scorer.scoredTokens());
            }
            for (String name : List.of("gsm8k", "strategyqa")) {
                EvalConfig.Reasoning r = name.equals("gsm8k") ? config.gsm8k() : config.strategyqa();
                if (r == null) continue;
                long t0 = System.nanoTime(), g0 = generator.generatedTokens();
                EvalOutcome o = reasoning(name, r, generator, ctx.workDir().resolve(name), info, base);
                tokens += summarize(benchmarks, metrics, name, o, t0, generator.generatedTokens() - g0);
            }
            if (pairwise != null) {
                long t0 = System.nanoTime(), g0 = generator.generatedTokens();
                ObjectNode b = benchmarks.putObject(PAIRWISE);
                pairwise(ctx, pairwise, judge, generator, info, base, b);
                long generated = generator.generatedTokens() - g0;
                double s = seconds(t0);
                b.put("seconds", s);
                b.put("tokens", generated);
                b.put("tokens_per_s", generated / Math.max(s, 1e-9));
                if (b.has("value")) metrics.put(PAIRWISE + "_" + b.get("metric").asText(), b.get("value").asDouble());
                tokens += generated;
            }
            promptsTooLong = generator.promptsTooLong();
        }
        double seconds = seconds(start);
        summary.put("seconds", seconds);
        summary.put("prompts_too_long", promptsTooLong);
        summary.put("tokens", tokens);
        summary.put("tokens_per_s", tokens / Math.max(seconds, 1e-9));
        AtomicFile.writeString(ctx.workDir().resolve(SUMMARY), summary.toPrettyString() + "\n");
        if (promptsTooLong > 0) metrics.put("prompts_too_long", promptsTooLong);
        metrics.put("tokens", tokens);
        metrics.put("tokens_per_s", tokens / Math.max(seconds, 1e-9));
        metrics.put("seconds", seconds);
        return new StageResult(metrics);
    }

    /** Adds a benchmark's primary metric, items, seconds and tokens/s to summary.json and the stage metrics; returns tokens. */
    private static long summarize(ObjectNode benchmarks, Map<String, Number> metrics, String name, EvalOutcome o, long startNanos,
                                  long tokens) {
        EvalResult r = o.result();
        double value = r.metrics().get(r.primaryMetric()), seconds = seconds(startNanos);
        ObjectNode b = benchmarks.putObject(name);
        b.put("metric", r.primaryMetric());
        b.put("value", value);
        b.put("n", r.n());
        b.put("seconds", seconds);
        b.put("tokens", tokens);
        b.put("tokens_per_s", tokens / Math.max(seconds, 1e-9));
        metrics.put(name + "_" + r.primaryMetric(), value);
        return tokens;
    }

    private EvalOutcome ifeval(EvalConfig.Ifeval c, ModelTextGenerator generator, String template, Path dir,
                               EvalResult.RunInfo info, Map<String, Object> base) {
        List<IfevalPrompt> prompts = first(c.prompts() == null ? IfevalPrompts.bundled() : IfevalPrompts.read(c.prompts()), c.limit());
        Map<String, Object> settings = new LinkedHashMap<>(base);
        settings.put("prompts_file", c.prompts() == null ? "bundled input_data.jsonl (541 prompts)" : c.prompts().toString());
        settings.put("limit", Limits.describe(c.limit(), prompts.size()));
        GenerationSettings generation = IfevalEvaluator.GENERATION.withMaxNewTokens(c.maxNewTokens());
        return IfevalRun.generateAndScore(prompts, generator, generation, template, dir, info, settings, log::info).outcome();
    }

    private EvalOutcome heldout(EvalConfig.Heldout c, ModelLogLikelihoodScorer scorer, String template, Path dir,
                                EvalResult.RunInfo info, Map<String, Object> base) {
        LikelihoodRun.Items items = LikelihoodRun.Items.read(c.data(), "heldout", c.limit());
        if (items.isMultipleChoice()) {
            throw new UserInputException("heldout.data: " + c.data() + " holds multiple-choice items (\"choices\"); expected held-out"
                    + " pairs with \"instruction\" (or \"prompt\") and \"response\" (or \"output\")");
        }
        Map<String, Object> settings = new LinkedHashMap<>(base);
        settings.put("data", c.data().toString());
        settings.put("limit", Limits.describe(c.limit(), items.size()));
        settings.put("chat_template", template);
        settings.put("scoring", "log p(reply + end-of-turn token | chat prompt): the conversation user = instruction, assistant ="
                + " response in the model's chat template, no system message; the reply tokens are those the training loss covers");
        return LikelihoodRun.score(items, scorer, dir, info, settings);
    }

    private EvalOutcome reasoning(String name, EvalConfig.Reasoning c, ModelTextGenerator generator, Path dir,
                                  EvalResult.RunInfo info, Map<String, Object> base) {
        ReasoningTask task = name.equals("gsm8k")
                ? ReasoningTask.gsm8k(c.shots() == null ? EvalConfig.GSM8K_SHOTS : c.shots())
                : ReasoningTask.strategyQa(c.shots() == null ? EvalConfig.STRATEGYQA_SHOTS : c.shots());
        task = task.withGeneration(task.generation().withMaxNewTokens(c.maxNewTokens()));
        List<ReasoningItem> items = ReasoningRun.limit(task, task.readItems(c.data()), c.limit());
        Map<String, Object> settings = new LinkedHashMap<>(base);
        settings.put("data", c.data().toString());
        settings.put("limit", Limits.describe(c.limit(), items.size()));
        return ReasoningRun.generateAndScore(task, items, generator, dir, info, settings);
    }

    /** Answers the prompts; judges them against the other stage's answers when a judge is configured. */
    private void pairwise(StageContext ctx, EvalConfig.Pairwise c, OpenAiChatClient judge, ModelTextGenerator generator,
                          EvalResult.RunInfo info, Map<String, Object> base, ObjectNode summary) {
        Path dir = ctx.workDir().resolve(PAIRWISE);
        List<AlpacaPrompt> prompts = first(readPrompts(c.prompts()), c.limit());
        GenerationSettings generation = GenerationSettings.greedy(c.maxNewTokens(), List.of(), true);
        List<ModelOutput> outputs = PairwiseRun.generate(prompts, generator, generation, ctx.name(), dir.resolve(PairwiseRun.OUTPUTS));
        summary.put("prompts", outputs.size());
        if (c.against() == null) {
            summary.put("note", "answers only, for the eval stages that name this one in pairwise.against");
            return;
        }
        summary.put("against", c.against());
        if (judge == null) {
            summary.put("note", NO_JUDGE);
            return;
        }
        Path reference = ctx.upstreamDir(c.against()).resolve(PAIRWISE).resolve(PairwiseRun.OUTPUTS);
        AlpacaJudgePrompt prompt = c.judge().prompt() == null ? AlpacaJudgePrompt.bundled() : AlpacaJudgePrompt.read(c.judge().prompt());
        Map<String, Object> settings = new LinkedHashMap<>(base);
        settings.put("judge_url", c.judge().url());
        settings.put("judge_model", c.judge().model());
        settings.put("judge", judge.label());
        settings.put("api_key_env", c.judge().apiKeyEnv());
        settings.put("prompts_file", c.prompts().toString());
        settings.put("limit", Limits.describe(c.limit(), prompts.size()));
        settings.put("max_new_tokens", c.maxNewTokens());
        EvalOutcome o;
        try {
            o = PairwiseRun.judge(outputs, ctx.name(), ModelOutputs.read(reference), c.against(), judge, prompt, seed, 4, dir, info,
                    settings, () -> Map.of("http_requests", judge.requestCount()));
        } catch (JudgeException e) {
            throw new UserInputException("pairwise.judge: the judge at " + c.judge().url() + " failed: " + e.getMessage(), e);
        }
        EvalResult r = o.result();
        summary.put("judge", judge.label());
        summary.put("metric", r.primaryMetric());
        summary.put("value", r.metrics().get(r.primaryMetric()));
        summary.put("standard_error", r.metrics().get("standard_error"));
        summary.put("n", r.n());
    }

    /** JSONL prompts with "instruction" or "prompt" (and maybe "dataset"); ids are line indices. */
    static List<AlpacaPrompt> readPrompts(Path file) {
        List<AlpacaPrompt> prompts = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(file, "prompts, JSON lines with \"instruction\" or \"prompt\"")) {
            JsonNode text = line.node().has("instruction") ? line.node().get("instruction") : line.node().get("prompt");
            if (text == null || !text.isTextual() || text.asText().isBlank()) {
                throw line.error("expected \"instruction\" or \"prompt\": a non-empty string, found " + text);
            }
            prompts.add(new AlpacaPrompt(prompts.size(), line.node().path("dataset").asText(""), text.asText()));
        }
        if (prompts.isEmpty()) throw new UserInputException(file + ": no prompts");
        return prompts;
    }

    private static OpenAiChatClient judgeClient(EvalConfig.Judge j) {
        String key = null;
        if (!j.apiKeyEnv().isEmpty()) {
            key = System.getenv(j.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new UserInputException("pairwise.judge.api_key_env: environment variable " + j.apiKeyEnv() + " is not set;"
                        + " export the judge's API key there, or set api_key_env: \"\" for a server that needs none");
            }
        }
        return new OpenAiChatClient(JudgeEndpoint.of(URI.create(j.url()), j.model()), key);
    }

    private static <T> List<T> first(List<T> items, int limit) {
        return limit <= 0 || limit >= items.size() ? items : items.subList(0, limit);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
