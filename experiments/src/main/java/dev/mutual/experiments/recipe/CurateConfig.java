package dev.mutual.experiments.recipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code curate}: Humpback's self-curation (Li et al. 2023, "Self-Alignment with Instruction Backtranslation"):
 * each candidate pair is rated 1-5 with the 5-point prompt, by a forward model of the run or by a judge endpoint.
 * Writes {@code ratings.jsonl} and {@code summary.json}; a select stage with {@code mode: rating} keeps the pairs
 * rated high enough (A5: rating 5, A4: rating >= 4). The rater keys are {@link Rating}'s, which a diagnose stage's
 * {@code rating} block takes too.
 *
 * @param pairsStage   the score_pairs stage (scores.jsonl) or synthesize stage (candidates.jsonl) whose pairs to rate
 * @param modelStage   a train stage with direction forward that rates; exactly one of model_stage, judge
 * @param judge        an OpenAI-compatible judge endpoint that rates instead
 * @param method       generate: the rater writes its reasoning and "Score: N" (the last line is parsed);
 *                     likelihood (model_stage only): the rating whose reply "Score: k" the model finds most likely
 * @param prompt       the rating prompt with {generated_instruction} and {response}, or null for the shipped
 *                     Humpback prompt (samples/prompts/humpback_self_curation.txt)
 * @param maxNewTokens generate: the reply budget
 * @param batchSize    prompts per generation or scoring pass (results do not depend on it)
 * @param candidates   which candidates of each response to rate: best (needs a score_pairs stage), first or all
 */
@StageType("curate")
public record CurateConfig(
        String pairsStage,
        @Default("null") String modelStage,
        @Default("null") JudgeConfig judge,
        @Default("generate") Method method,
        @Default("null") Path prompt,
        @Default("256") int maxNewTokens,
        @Default("8") int batchSize,
        @Default("best") CandidateChoice candidates) implements StageConfig {

    /** The placeholders of the rating prompt. */
    public static final String INSTRUCTION_SLOT = "{generated_instruction}";
    public static final String RESPONSE_SLOT = "{response}";

    /** How a rating is obtained. */
    public enum Method { GENERATE, LIKELIHOOD }

    public CurateConfig {
        new Rating(modelStage, judge, method, prompt, maxNewTokens, batchSize);  // checks the rater keys
    }

    /** Who rates and how: this stage's rater keys, as one {@link Rating}. */
    public Rating rating() {
        return new Rating(modelStage, judge, method, prompt, maxNewTokens, batchSize);
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>(List.of(pairsStage));
        if (modelStage != null && !up.contains(modelStage)) up.add(modelStage);
        return up;
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        SelectConfig.requireStageType(stages, "pairs_stage", pairsStage, List.of("score_pairs", "synthesize"));
        if (candidates == CandidateChoice.BEST && stages.get(pairsStage).type().equals("synthesize")) {
            throw new IllegalArgumentException("candidates: best needs the best flag a score_pairs stage writes; stage '"
                    + pairsStage + "' is a synthesize stage: use candidates: first or all");
        }
        rating().checkReferences(stages, "");
    }

    /**
     * The rater of Humpback's self-curation: the keys a curate stage has beside its pairs, and a diagnose stage's
     * {@code rating} block (which rates the gold and shuffled pairs the same way). Components as in
     * {@link CurateConfig}, with the same defaults.
     */
    public record Rating(
            @Default("null") String modelStage,
            @Default("null") JudgeConfig judge,
            @Default("generate") Method method,
            @Default("null") Path prompt,
            @Default("256") int maxNewTokens,
            @Default("8") int batchSize) {

        public Rating {
            if ((modelStage == null) == (judge == null)) {
                throw new IllegalArgumentException("expected exactly one of 'model_stage: STAGE' (a forward train stage rates) and"
                        + " 'judge: {url, model}' (an endpoint rates), found " + (judge == null ? "neither" : "both"));
            }
            if (method == Method.LIKELIHOOD && judge != null) {
                throw new IllegalArgumentException("method: likelihood scores the five replies with a model of the run; a judge"
                        + " endpoint gives no such likelihoods: use model_stage, or method: generate");
            }
            if (prompt != null) {
                if (!Files.isRegularFile(prompt)) throw new IllegalArgumentException("prompt: no such file " + prompt);
                String text;
                try {
                    text = Files.readString(prompt);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + prompt, e);
                }
                for (String slot : List.of(INSTRUCTION_SLOT, RESPONSE_SLOT)) {
                    if (!text.contains(slot)) throw new IllegalArgumentException("prompt: " + prompt + " has no " + slot + " placeholder");
                }
            }
            if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens: expected >= 1, found " + maxNewTokens);
            if (batchSize < 1) throw new IllegalArgumentException("batch_size: expected >= 1, found " + batchSize);
        }

        /** Checks that model_stage, when given, is a forward train stage; {@code keys} prefixes the key in messages. */
        public void checkReferences(Map<String, StageConfig> stages, String keys) {
            if (modelStage == null) return;
            TrainConfig t = StageConfig.requireStage(stages, keys + "model_stage", modelStage, TrainConfig.class,
                    "a train stage with direction: forward");
            if (!t.direction().equals("forward")) {
                throw new IllegalArgumentException(keys + "model_stage: stage '" + modelStage + "' trains direction " + t.direction()
                        + "; the rater reads instruction then response: expected a train stage with direction: forward");
            }
        }
    }
}
