package dev.mutual.experiments.recipe;

import dev.mutual.data.chat.PairDirection;
import dev.mutual.trainer.train.WeightDecayGroups;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code train}: supervised fine-tuning of a decoder on instruction-response pairs (loss on the replies,
 * weighted by each example's {@code weight}), full or LoRA, with AdamW, gradient accumulation and a warmup + decay
 * schedule. Writes {@code metrics.jsonl} (one line per optimizer step), {@code training.png} and {@code model/}
 * (an HF model directory; with LoRA also {@code adapter/}). With {@code objective: pretrain}, causal-LM pretraining
 * on the plain text in {@code data} instead (loss on every token). A training recipe ({@code mutual train --recipe}) is
 * this record's keys at the top level beside name, seed and paths.
 *
 * @param data          a prepared {@code data.jsonl} (or a folder holding one), or any pair file the readers detect;
 *                      exactly one of data, data_stage
 * @param dataStage     the name of a {@code prepare_data} stage of this recipe whose {@code data.jsonl} to train on
 * @param model         the model to start from: an HF model directory or a llama2.c {@code .bin}; exactly one of
 *                      model, model_stage, init
 * @param modelStage    start from the model another {@code train} stage of this recipe wrote (its {@code model/})
 * @param init          a small random model to start from instead
 * @param direction     forward trains p(y|x) (instruction in, response out: ordinary SFT); reverse trains p(x|y)
 *                      (the response in the user turn, the instruction as the reply), MAIN's instruction writer
 * @param tokenizer     a {@code tokenizer.json}, a folder holding one, or a llama2.c tokenizer {@code .bin}
 * @param chatTemplate  "model" (the tokenizer's own chat_template) or a built-in name such as "alpaca"
 * @param seqLen        tokens per row; longer conversations are cut from the right
 * @param microBatch    rows per forward/backward pass
 * @param gradAccum     micro-batches per optimizer step
 * @param steps         optimizer steps
 * @param lr            peak learning rate
 * @param schedule      cosine, linear or constant (after warmup)
 * @param warmupSteps   linear warmup steps from 0
 * @param minLrRatio    cosine floor as a fraction of lr
 * @param weightDecay   AdamW decoupled weight decay
 * @param noDecay       parameter groups left undecayed ({@link WeightDecayGroups#GROUPS})
 * @param clip          global gradient-norm clipping threshold, 0 for none
 * @param lora          train a LoRA adapter instead of every weight, or null for full fine-tuning
 * @param seed          seed of the random init, the data order and LoRA's init and dropout, or null for the
 *                      recipe's seed
 * @param checkpointEvery save a resumable checkpoint every this many steps; 0 only at the end
 * @param keepCheckpoints complete checkpoints kept, newest first (plus the best validation step's)
 * @param evalEvery     validation loss every this many steps; 0 for none
 * @param evalFraction  share of the rows held out (seeded) for validation; 0 for none
 * @param evalData      a separate validation file (any format {@code data} takes), or null
 * @param earlyStoppingPatience   stop after this many validations in a row without improvement; 0 never
 * @param earlyStoppingMinDelta   an improvement must lower the best validation loss by more than this
 * @param loadBest      save the best validation step's weights as model/ instead of the last step's
 * @param engine        eager (hand-written forward/backward, the fast default) or samediff (the SameDiff graph)
 * @param packing       pack several examples into each row (block-diagonal attention); eager engine only. With
 *                      pretrain: each document attends only to itself (else plain causal windows over the text)
 * @param objective     sft (instruction-response pairs, loss on the replies) or pretrain (plain text, loss on every
 *                      token, documents concatenated into rows)
 * @param maxDocuments  pretrain: read and tokenize at most this many documents of data; 0 for all
 * @param maxTokens     pretrain: stop reading data at this many tokens (the last document cut); 0 for all
 * @param buckets       length buckets: batches cut to the shortest power-of-two length (from 16, up to seq_len) that
 *                      holds their rows, instead of padding every row to seq_len; sft, eager engine, full fine-tuning
 */
@StageType("train")
public record TrainConfig(
        @Default("null") Path data,
        @Default("null") String dataStage,
        @Default("null") Path model,
        @Default("null") String modelStage,
        @Default("null") InitConfig init,
        @Default("forward") String direction,
        Path tokenizer,
        @Default("alpaca") String chatTemplate,
        @Default("256") int seqLen,
        @Default("4") int microBatch,
        @Default("1") int gradAccum,
        int steps,
        @Default("3e-4") double lr,
        @Default("cosine") String schedule,
        @Default("0") int warmupSteps,
        @Default("0.1") double minLrRatio,
        @Default("0.0") double weightDecay,
        @Default("[norm, bias, embedding]") List<String> noDecay,
        @Default("1.0") double clip,
        @Default("null") LoraSettings lora,
        @Default("null") Long seed,
        @Default("0") int checkpointEvery,
        @Default("3") int keepCheckpoints,
        @Default("0") int evalEvery,
        @Default("0.0") double evalFraction,
        @Default("null") Path evalData,
        @Default("0") int earlyStoppingPatience,
        @Default("0.0") double earlyStoppingMinDelta,
        @Default("false") boolean loadBest,
        @Default("eager") String engine,
        @Default("false") boolean packing,
        @Default("sft") String objective,
        @Default("0") int maxDocuments,
        @Default("0") long maxTokens,
        @Default("false") boolean buckets) implements StageConfig {

    public static final List<String> SCHEDULES = List.of("cosine", "linear", "constant");
    public static final List<String> ENGINES = List.of("eager", "samediff");
    public static final List<String> OBJECTIVES = List.of("sft", "pretrain");

    public TrainConfig {
        if ((data == null) == (dataStage == null)) {
            throw new IllegalArgumentException("expected exactly one of 'data: PATH' and 'data_stage: STAGE', found "
                    + (data == null ? "neither" : "both"));
        }
        if (data != null && !Files.exists(data)) throw new IllegalArgumentException("data: no such file or folder " + data);
        int starts = (model == null ? 0 : 1) + (modelStage == null ? 0 : 1) + (init == null ? 0 : 1);
        if (starts != 1) {
            throw new IllegalArgumentException("expected exactly one of 'model: PATH', 'model_stage: STAGE' and 'init: {...}', found "
                    + (starts == 0 ? "none" : "several"));
        }
        if (!PairDirection.NAMES.contains(direction)) {
            throw new IllegalArgumentException("direction: expected one of " + PairDirection.NAMES + ", found \"" + direction
                    + "\"" + DidYouMean.hint(direction, PairDirection.NAMES));
        }
        if (direction.equals("reverse") && objective.equals("pretrain")) {
            throw new IllegalArgumentException("direction: reverse reads instruction-response pairs; objective pretrain has none");
        }
        if (lora != null && init != null) {
            throw new IllegalArgumentException("lora: expected a pretrained 'model: PATH' to adapt, found 'init' (a random"
                    + " model has nothing worth freezing; train it fully, then LoRA-tune the result)");
        }
        if (model != null && !Files.exists(model)) throw new IllegalArgumentException("model: no such file or folder " + model);
        if (!Files.exists(tokenizer)) throw new IllegalArgumentException("tokenizer: no such file or folder " + tokenizer);
        if (seqLen < 2) throw new IllegalArgumentException("seq_len: expected >= 2, found " + seqLen);
        if (microBatch < 1) throw new IllegalArgumentException("micro_batch: expected >= 1, found " + microBatch);
        if (gradAccum < 1) throw new IllegalArgumentException("grad_accum: expected >= 1, found " + gradAccum);
        if (steps < 1) throw new IllegalArgumentException("steps: expected >= 1, found " + steps);
        if (!(lr > 0)) throw new IllegalArgumentException("lr: expected > 0, found " + lr);
        if (!SCHEDULES.contains(schedule)) {
            throw new IllegalArgumentException("schedule: expected one of " + SCHEDULES + ", found \"" + schedule + "\"");
        }
        if (warmupSteps < 0 || warmupSteps >= steps) {
            throw new IllegalArgumentException("warmup_steps: expected 0.." + (steps - 1) + " (below steps), found " + warmupSteps);
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException("min_lr_ratio: expected 0..1, found " + minLrRatio);
        }
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight_decay: expected >= 0, found " + weightDecay);
        for (String g : noDecay) {
            if (!WeightDecayGroups.GROUPS.contains(g)) {
                throw new IllegalArgumentException("no_decay: expected groups from " + WeightDecayGroups.GROUPS
                        + ", found '" + g + "'" + DidYouMean.hint(g, WeightDecayGroups.GROUPS));
            }
        }
        if (!(clip >= 0)) throw new IllegalArgumentException("clip: expected >= 0, found " + clip);
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint_every: expected >= 0, found " + checkpointEvery);
        if (keepCheckpoints < 1) throw new IllegalArgumentException("keep_checkpoints: expected >= 1, found " + keepCheckpoints);
        if (evalEvery < 0) throw new IllegalArgumentException("eval_every: expected >= 0, found " + evalEvery);
        if (!(evalFraction >= 0 && evalFraction < 1)) {
            throw new IllegalArgumentException("eval_fraction: expected 0 (none) or a share in (0, 1), found " + evalFraction);
        }
        if (evalData != null && !Files.exists(evalData)) {
            throw new IllegalArgumentException("eval_data: no such file or folder " + evalData);
        }
        boolean evalSource = evalFraction > 0 || evalData != null;
        if (evalFraction > 0 && evalData != null) {
            throw new IllegalArgumentException("expected at most one of 'eval_fraction' and 'eval_data', found both");
        }
        if (evalEvery > 0 && !evalSource) {
            throw new IllegalArgumentException("eval_every: " + evalEvery + " needs validation rows: set 'eval_fraction: 0.05'"
                    + " (held out from data) or 'eval_data: PATH'");
        }
        if (evalSource && evalEvery == 0) {
            throw new IllegalArgumentException((evalData != null ? "eval_data" : "eval_fraction")
                    + ": set 'eval_every: N' too (validation every N steps), or drop it");
        }
        if (earlyStoppingPatience < 0) {
            throw new IllegalArgumentException("early_stopping_patience: expected >= 0, found " + earlyStoppingPatience);
        }
        if (earlyStoppingPatience > 0 && evalEvery == 0) {
            throw new IllegalArgumentException("early_stopping_patience: needs validation: set 'eval_every' and"
                    + " 'eval_fraction' or 'eval_data'");
        }
        if (!(earlyStoppingMinDelta >= 0) || Double.isInfinite(earlyStoppingMinDelta)) {
            throw new IllegalArgumentException("early_stopping_min_delta: expected a finite number >= 0, found "
                    + earlyStoppingMinDelta);
        }
        if (!ENGINES.contains(engine)) {
            throw new IllegalArgumentException("engine: expected one of " + ENGINES + ", found \"" + engine + "\""
                    + DidYouMean.hint(engine, ENGINES));
        }
        if (packing && !engine.equals("eager")) {
            throw new IllegalArgumentException("packing: needs 'engine: eager' (the SameDiff graph has no block-diagonal"
                    + " attention), found engine " + engine);
        }
        if (!OBJECTIVES.contains(objective)) {
            throw new IllegalArgumentException("objective: expected one of " + OBJECTIVES + ", found \"" + objective + "\""
                    + DidYouMean.hint(objective, OBJECTIVES));
        }
        if (maxDocuments < 0) throw new IllegalArgumentException("max_documents: expected >= 0, found " + maxDocuments);
        if (maxTokens < 0) throw new IllegalArgumentException("max_tokens: expected >= 0, found " + maxTokens);
        if (!objective.equals("pretrain") && (maxDocuments > 0 || maxTokens > 0)) {
            throw new IllegalArgumentException((maxDocuments > 0 ? "max_documents" : "max_tokens")
                    + ": limits the plain text of 'objective: pretrain', found objective " + objective);
        }
        if (objective.equals("pretrain") && dataStage != null) {
            throw new IllegalArgumentException("objective: pretrain trains on plain text: expected 'data: PATH' (.txt,"
                    + " .jsonl or .jsonl.gz with a \"text\" field, .parquet with a \"text\" column, or a folder of them), found data_stage " + dataStage);
        }
        if (buckets && (packing || !engine.equals("eager") || lora != null || !objective.equals("sft"))) {
            throw new IllegalArgumentException("buckets: needs 'engine: eager', full fine-tuning, objective sft and no"
                    + " packing (it is another way to cut padding), found " + (packing ? "packing: true"
                    : lora != null ? "lora" : !objective.equals("sft") ? "objective " + objective : "engine " + engine));
        }
        if (loadBest && (evalEvery == 0 || checkpointEvery == 0 || evalEvery % checkpointEvery != 0)) {
            throw new IllegalArgumentException("load_best: needs a checkpoint at every validation: set eval_every to a"
                    + " multiple of checkpoint_every (both > 0), found eval_every " + evalEvery + ", checkpoint_every "
                    + checkpointEvery);
        }
        // Last, after the cheap checks: the stage would load both only once earlier stages had done their work.
        TokenizerCheck.check(tokenizer, objective.equals("sft") ? chatTemplate : null);
    }

    @Override
    public List<String> upstream() {
        List<String> up = new ArrayList<>();
        if (dataStage != null) up.add(dataStage);
        if (modelStage != null && !up.contains(modelStage)) up.add(modelStage);
        return up;
    }

    @Override
    public void checkReferences(Map<String, StageConfig> stages) {
        if (dataStage != null) StageConfig.requireDataStage(stages, "data_stage", dataStage);
        if (modelStage != null) StageConfig.requireStage(stages, "model_stage", modelStage, TrainConfig.class, "a train stage (its model/)");
    }

    /** The direction as an enum. */
    public PairDirection pairDirection() {
        return PairDirection.named(direction);
    }
}
