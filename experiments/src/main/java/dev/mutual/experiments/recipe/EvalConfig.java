package dev.mutual.experiments.recipe;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Stage {@code eval}: evaluates the model a {@code train} stage wrote, prompting it with the chat template it was
 * trained with. Each benchmark block is optional; each writes one folder in the {@code EvalResultFiles} layout
 * ({@code results.json} + {@code samples.jsonl}, plus the generated {@code responses.jsonl}), and the stage writes
 * {@code summary.json} (primary metric, seconds and tokens/s per benchmark).
 *
 * @param modelStage the train stage (direction forward) whose {@code model/} to evaluate
 * @param ifeval     IFEval: generate with the chat template, check the instructions
 * @param heldout    held-out likelihood: log p(y|x) per token of reference replies, scored as training scores them
 * @param gsm8k      GSM8K chain-of-thought exact match (few-shot prompts continued as raw text)
 * @param strategyqa StrategyQA chain-of-thought yes/no exact match
 * @param pairwise   AlpacaEval-style pairwise judging of this model's answers against another eval stage's
 * @param batchSize  prompts per packed generation pass and sequences per scoring pass; results do not depend on it
 * @param system     a system message before every chat prompt and held-out conversation (e.g. the seed-data tag a
 *                   Humpback-style model was trained with), or null for none
 */
@StageType("eval")
public record EvalConfig(
        String modelStage,
        @Default("null") Ifeval ifeval,
        @Default("null") Heldout heldout,
        @Default("null") Reasoning gsm8k,
        @Default("null") Reasoning strategyqa,
        @Default("null") Pairwise pairwise,
        @Default("8") int batchSize,
        @Default("null") String system) implements StageConfig {

    /** GSM8K's and StrategyQA's chain-of-thought exemplars (Wei et al. 2022): the most shots a prompt can have. */
    public static final int GSM8K_SHOTS = 8, STRATEGYQA_SHOTS = 6;

    public EvalConfig {
        if (ifeval == null && heldout == null && gsm8k == null && strategyqa == null && pairwise == null) {
            throw new IllegalArgumentException("expected at least one benchmark: ifeval, heldout, gsm8k, strategyqa or pairwise");
        }
        if (batchSize < 1) throw new IllegalArgumentException("batch_size: expected >= 1, found " + batchSize);
        if (gsm8k != null) checkShots("gsm8k", gsm8k, GSM8K_SHOTS);
        if (strategyqa != null) checkShots("strategyqa", strategyqa, STRATEGYQA_SHOTS);
    }

    private static void checkShots(String key, Reasoning r, int max) {
        if (r.shots() != null && (r.shots() < 0 || r.shots() > max)) {
            throw new IllegalArgumentException(key + ".shots: expected 0.." + max + " (the exemplars there are), found " + r.shots());
        }
    }

    /**
     * @param prompts      IFEval prompts in {@code input_data.jsonl} format, or null for the bundled 541
     * @param limit        evaluate the first this many prompts; 0 for all
     * @param maxNewTokens generation budget per response
     */
    public record Ifeval(@Default("null") Path prompts, @Default("0") int limit, @Default("1024") int maxNewTokens) {
        public Ifeval {
            if (prompts != null && !Files.isRegularFile(prompts)) throw new IllegalArgumentException("prompts: no such file " + prompts);
            checkLimits(limit, maxNewTokens);
        }
    }

    /**
     * @param data  held-out pairs (JSONL with "instruction" or "prompt" and "response" or "output")
     * @param limit score the first this many pairs; 0 for all
     */
    public record Heldout(Path data, @Default("0") int limit) {
        public Heldout {
            if (!Files.isRegularFile(data)) throw new IllegalArgumentException("data: no such file " + data);
            if (limit < 0) throw new IllegalArgumentException("limit: expected >= 0 (0 for all), found " + limit);
        }
    }

    /**
     * @param data         the benchmark's JSONL (GSM8K: question, answer ending "#### N"; StrategyQA: id, question,
     *                     answer true/false)
     * @param limit        score the first this many items (exemplars of the prompt are never scored); 0 for all
     * @param maxNewTokens generation budget per response
     * @param shots        chain-of-thought exemplars per prompt, or null for all (8 for GSM8K, 6 for StrategyQA)
     */
    public record Reasoning(Path data, @Default("0") int limit, @Default("256") int maxNewTokens, @Default("null") Integer shots) {
        public Reasoning {
            if (!Files.isRegularFile(data)) throw new IllegalArgumentException("data: no such file " + data);
            checkLimits(limit, maxNewTokens);
        }
    }

    /**
     * @param prompts      instructions to answer, JSONL with "instruction" or "prompt" (AlpacaEval's prompt file works)
     * @param against      the eval stage whose answers to the same prompts this stage's are judged against; null
     *                     answers the prompts only (for stages that name this one)
     * @param limit        answer the first this many prompts; 0 for all
     * @param maxNewTokens generation budget per answer
     * @param judge        the OpenAI-compatible judge endpoint, or null: then no win rate, and the report says so
     */
    public record Pairwise(Path prompts, @Default("null") String against, @Default("0") int limit,
                           @Default("512") int maxNewTokens, @Default("null") Judge judge) {
        public Pairwise {
            if (!Files.isRegularFile(prompts)) throw new IllegalArgumentException("prompts: no such file " + prompts);
            checkLimits(limit, maxNewTokens);
            if (judge != null && against == null) {
                throw new IllegalArgumentException("judge: needs 'against: STAGE' (the eval stage whose answers to judge these against)");
            }
        }

        /** Whether the two blocks ask the same prompts the same way (so their answers can be paired). */
        boolean sameQuestions(Pairwise other) {
            return prompts.equals(other.prompts) && limit == other.limit && maxNewTokens == other.maxNewTokens;
        }
    }

    /**
     * @param url       base URL of an OpenAI-compatible API (requests go to URL/chat/completions)
     * @param model     the judge model's name
     * @param apiKeyEnv environment variable holding the API key; "" for a server without a key
     * @param prompt    an alpaca_eval judge prompt file, or null for the bundled AlpacaEval 1 ranking prompt
     */
    public record Judge(String url, String model, @Default("OPENAI_API_KEY") String apiKeyEnv, @Default("null") Path prompt) {
        public Judge {
            try {
                URI u = new URI(url);
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) throw new URISyntaxException(url, "not http(s)");
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("url: expected an http(s) URL such as https://api.openai.com/v1, found \"" + url + "\"");
            }
            if (model.isBlank()) throw new IllegalArgumentException("model: expected the judge model's name, found \"\"");
            if (prompt != null && !Files.isRegularFile(prompt)) throw new IllegalArgumentException("prompt: no such file " + prompt);
        }
    }

    private static void checkLimits(int limit, int maxNewTokens) {
        if (limit < 0) throw new IllegalArgumentException("limit: expected >= 0 (0 for all), found " + limit);
        if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens: expected >= 1, found " + maxNewTokens);
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>(List.of(modelStage));
        if (pairwise != null && pairwise.against() != null && !up.contains(pairwise.against())) up.add(pairwise.against());
        return up;
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        TrainConfig t = StageConfig.requireStage(stages, "model_stage", modelStage, TrainConfig.class, "a train stage with direction: forward");
        if (!t.direction().equals("forward")) {
            throw new IllegalArgumentException("model_stage: stage '" + modelStage + "' trains direction " + t.direction()
                    + "; expected a forward model p(y|x) to evaluate");
        }
        if (pairwise != null && pairwise.against() != null) {
            EvalConfig other = StageConfig.requireStage(stages, "pairwise.against", pairwise.against(), EvalConfig.class,
                    "an eval stage with a pairwise block");
            if (other == this || other.pairwise() == null) {
                throw new IllegalArgumentException("pairwise.against: stage '" + pairwise.against() + "' "
                        + (other == this ? "is this stage" : "has no pairwise block") + "; expected another eval stage that answers the same prompts");
            }
            if (!pairwise.sameQuestions(other.pairwise())) {
                throw new IllegalArgumentException("pairwise.against: stage '" + pairwise.against() + "' answers other prompts (prompts, "
                        + "limit and max_new_tokens must match, found " + other.pairwise().prompts() + ", " + other.pairwise().limit()
                        + ", " + other.pairwise().maxNewTokens() + ")");
            }
        }
    }

    /** Files outside the run this stage reads (their content joins the cache key). */
    public List<Path> inputFiles() {
        List<Path> files = new ArrayList<>();
        if (ifeval != null && ifeval.prompts() != null) files.add(ifeval.prompts());
        if (heldout != null) files.add(heldout.data());
        if (gsm8k != null) files.add(gsm8k.data());
        if (strategyqa != null) files.add(strategyqa.data());
        if (pairwise != null) files.add(pairwise.prompts());
        if (pairwise != null && pairwise.judge() != null && pairwise.judge().prompt() != null) files.add(pairwise.judge().prompt());
        return files.stream().filter(Objects::nonNull).distinct().toList();
    }
}
