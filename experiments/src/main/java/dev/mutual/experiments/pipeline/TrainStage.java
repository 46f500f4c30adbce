package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.BuiltInChatTemplate;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.chat.PairDirection;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.read.TextDocuments;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.data.tokenizer.TokenizerFiles;
import dev.mutual.experiments.recipe.InitConfig;
import dev.mutual.experiments.recipe.TrainConfig;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.eager.BucketedDecoder;
import dev.mutual.trainer.eager.EagerDecoder;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraMerge;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.HeapBudget;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.AdamW;
import dev.mutual.trainer.train.AdamWConfig;
import dev.mutual.trainer.train.LrSchedule;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.train.CheckpointPolicy;
import dev.mutual.trainer.train.MetricsLog;
import dev.mutual.trainer.train.RunCheckpoints;
import dev.mutual.trainer.train.RunListener;
import dev.mutual.trainer.train.RunResult;
import dev.mutual.trainer.train.RunState;
import dev.mutual.trainer.train.SftBatches;
import dev.mutual.trainer.engine.BucketLengths;
import dev.mutual.trainer.train.LengthBuckets;
import dev.mutual.trainer.train.ShuffledBatches;
import dev.mutual.trainer.train.TrainStep;
import dev.mutual.trainer.train.TrainingBench;
import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.train.TrainingRun;
import dev.mutual.trainer.train.Validation;
import dev.mutual.trainer.train.ValidationPolicy;
import dev.mutual.trainer.train.ValidationSplit;
import dev.mutual.trainer.train.WeightDecayGroups;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Stage {@code train}: SFT with {@link TrainingRun} on the examples of a prepared {@code data.jsonl}, each weighted by its
 * {@code weight} (1 when absent). Full fine-tuning, or LoRA on a pretrained model. Writes {@code metrics.jsonl} as it
 * goes, {@code training.png} (loss and learning rate) at the end, and the final model to {@code model/} (HF format,
 * with the tokenizer files; with LoRA the merged model, and the PEFT adapter in {@code adapter/}). The folder is
 * complete only when the pipeline publishes it (renamed from {@code <stage>.partial/} after {@link #run} returns),
 * so a killed run never leaves a half-written model. Checkpoints ({@code checkpoint-N/}, every
 * {@code checkpoint_every} steps and at the end) make it resumable: rerun, an interrupted attempt continues from its
 * newest checkpoint, bit-identically, unless the run's inputs changed (refused) or the user asks for --no-resume.
 * With {@code eval_every}, validation losses go to {@code validation.jsonl} and the plot.
 * The model trains on {@link EagerDecoder} ({@code engine: eager}, the default) or the SameDiff {@link DecoderGraph};
 * {@code packing} (eager only) packs several examples into each row with block-diagonal attention; {@code buckets}
 * (eager, full fine-tuning) cuts each micro-batch to the power-of-two length its rows need ({@link LengthBuckets}).
 * With {@code objective: pretrain} the rows come from plain text instead ({@link PretrainText}): documents packed
 * into rows, loss on every token; the rest of the run is the same.
 */
final class TrainStage implements Stage {

    /** Bump when a change here, in SftBatches or in Trainer alters metrics.jsonl or the model. */
    static final int CODE_VERSION = 5; // 5: model/ always has a tokenizer.json (and a built-in format's chat_template)

    private static final Logger log = LoggerFactory.getLogger(TrainStage.class);

    private final TrainConfig config;
    private final long seed;

    TrainStage(TrainConfig config, long recipeSeed) {
        this.config = config;
        this.seed = config.seed() == null ? recipeSeed : config.seed();
    }

    @Override
    public int codeVersion() {
        return CODE_VERSION;
    }

    @Override
    public List<Path> inputFiles() {
        List<Path> files = new ArrayList<>();
        boolean pretrain = config.objective().equals("pretrain");
        if (config.data() != null) files.addAll(pretrain ? TextDocuments.files(config.data()) : List.of(dataFile(config.data())));
        if (config.evalData() != null) {
            files.addAll(pretrain ? TextDocuments.files(config.evalData()) : List.of(dataFile(config.evalData())));
        }
        if (config.model() != null) files.addAll(modelFiles(config.model()));
        files.addAll(tokenizerFiles(config.tokenizer()));
        return files;
    }

    /** An interrupted attempt continues from its newest checkpoint. */
    @Override
    public boolean resumable() {
        return true;
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        boolean pretrain = config.objective().equals("pretrain");
        Path data = pretrain ? config.data()
                : config.data() != null ? dataFile(config.data()) : dataFile(ctx.upstreamDir(config.dataStage()));
        Path startModel = config.modelStage() != null ? TrainedModel.modelDir(ctx.upstreamDir(config.modelStage())) : config.model();
        try (TextTokenizer tokenizer = TextTokenizer.load(config.tokenizer())) {
            Map<String, Number> out = new LinkedHashMap<>();
            TokenBatch trainRows = pretrain ? pretrainRows(ctx, data, tokenizer, out) : sftRows(ctx, data, tokenizer, out);
            List<TokenBatch> validationBatches = List.of();
            if (config.evalFraction() > 0) {
                ValidationSplit split;
                try {
                    split = ValidationSplit.of(trainRows, config.evalFraction(), seed, config.microBatch());
                } catch (IllegalArgumentException e) {
                    throw new UserInputException(data + ": " + e.getMessage(), e);
                }
                log.info("{}: {} rows held out for validation (eval_fraction {}), {} left to train on", ctx.name(),
                        trainRows.batchSize() - split.trainRows().batchSize(), config.evalFraction(),
                        split.trainRows().batchSize());
                trainRows = split.trainRows();
                validationBatches = split.validationBatches();
            } else if (config.evalData() != null) {
                validationBatches = pretrain ? pretrainEvalBatches(ctx, config.evalData(), tokenizer)
                        : evalBatches(config.evalData(), encoder(tokenizer));
            }

            LengthBuckets buckets = null;
            if (config.buckets()) {
                buckets = new LengthBuckets(trainRows, config.microBatch(), bucketLengths(config.seqLen()), seed);
                log.info("{}: length buckets {}: {} rows, {} micro-batches per epoch", ctx.name(),
                        Arrays.toString(bucketLengths(config.seqLen()).lengths()), Arrays.toString(buckets.bucketSizes()),
                        buckets.batchesPerEpoch());
            }
            Engine engine = engine(tokenizer, startModel);
            TrainableModel model = engine.model();
            AdamW adamw = WeightDecayGroups.adamw(new AdamWConfig(config.lr(), 0.9, 0.95, 1e-8, config.weightDecay(),
                    config.clip()), model, config.noDecay());
            ValidationPolicy validation = null;
            if (config.evalEvery() > 0) {
                try {
                    validation = new ValidationPolicy(validationBatches, config.evalEvery(),
                            config.earlyStoppingPatience(), config.earlyStoppingMinDelta());
                } catch (IllegalArgumentException e) {
                    throw new UserInputException((config.evalData() != null ? "eval_data " + config.evalData()
                            : "eval_fraction " + config.evalFraction()) + ": " + e.getMessage(), e);
                }
            }
            Path workDir = ctx.workDir();
            CheckpointPolicy checkpoints = new CheckpointPolicy(workDir, config.checkpointEvery(), config.keepCheckpoints());
            TrainingRun trainingRun = new TrainingRun(model, adamw, schedule(), config.gradAccum(), new TrainingRun.Options(
                    config.steps(), checkpoints, validation, ctx.resumed(), identity(data, startModel)));
            int resumeStep = resumeStep(ctx, trainingRun);

            // MFU's denominator, measured once per attempt: this machine's fp32 matmul rate through ND4J.
            double peakGflops = TrainingBench.sgemmGflops();
            double flopsPerStep = flopsPerToken(model) * config.microBatch() * config.seqLen() * config.gradAccum();
            log.info("{}: {} parameters trained{}, {} decayed; {} GFLOP per step, sgemm peak {} GFLOP/s", ctx.name(),
                    trainedParameters(model), config.lora() == null ? "" : " (LoRA rank " + config.lora().rank() + ")",
                    adamw.decayed().size(), String.format(Locale.ROOT, "%.2f", flopsPerStep / 1e9),
                    String.format(Locale.ROOT, "%.1f", peakGflops));

            long start = System.nanoTime();
            RunResult result;
            double tokensPerSecond;
            Path metricsFile = workDir.resolve("metrics.jsonl");
            // With buckets a step computes fewer positions than seq_len rows: no fixed FLOP count, so no mfu.
            try (MetricsLog metrics = config.buckets()
                    ? (resumeStep > 0 ? MetricsLog.continuing(metricsFile, resumeStep) : new MetricsLog(metricsFile))
                    : resumeStep > 0
                    ? MetricsLog.continuing(metricsFile, resumeStep, flopsPerStep, peakGflops * 1e9)
                    : new MetricsLog(metricsFile, flopsPerStep, peakGflops * 1e9);
                 ValidationLog validations = validation == null ? null
                         : new ValidationLog(workDir.resolve(ValidationLog.FILE), resumeStep);
                 TrainingProgress progress = new TrainingProgress(log::info, ctx.name(), config.steps(), resumeStep,
                         TrainingProgress.terminal())) {
                Iterator<TokenBatch> batches = buckets != null ? buckets
                        : new ShuffledBatches(trainRows, config.microBatch(), seed);
                result = trainingRun.run(batches, new RunListener() {
                    @Override
                    public void onStep(TrainStep step) {
                        metrics.accept(step);
                        progress.step(step);
                    }

                    @Override
                    public void onValidation(Validation v) {
                        validations.accept(v);
                        log.info("{}: step {}: validation loss {} ({}, best {} at step {}){}", ctx.name(), v.step(),
                                String.format(Locale.ROOT, "%.4f", v.loss()), v.improved() ? "improved"
                                        : v.evalsWithoutImprovement() + " without improvement",
                                String.format(Locale.ROOT, "%.4f", v.bestLoss()), v.bestStep(),
                                v.stopEarly() ? "; early stopping" : "");
                    }

                    @Override
                    public void onCheckpoint(int step, Path dir) {
                        log.debug("{}: checkpoint {}", ctx.name(), dir);
                    }
                });
                tokensPerSecond = progress.tokensPerSecond();
            }
            List<TrainStep> steps = MetricsLog.read(metricsFile);
            List<Validation> validations = validation == null ? List.of() : ValidationLog.read(workDir.resolve(ValidationLog.FILE));
            TrainingPlot.write(workDir.resolve("training.png"), ctx.name() + ": loss and learning rate", steps, validations);
            int savedStep = result.lastStep();
            if (config.loadBest() && result.bestStep() > 0 && result.bestStep() != result.lastStep()) {
                RunCheckpoints.loadTrainable(new RunCheckpoints(workDir).pathOf(result.bestStep()), model);
                savedStep = result.bestStep();
            }
            log.info("{}: model/ holds the weights of step {}{}", ctx.name(), savedStep,
                    result.stoppedEarly() ? " (stopped early at step " + result.lastStep() + ")" : "");
            save(workDir, engine, startModel);
            TrainedModel.writeInfo(workDir, new TrainedModel.Info(config.pairDirection(), config.chatTemplate(),
                    config.objective(), config.lora() != null));

            double seconds = 0;
            for (TrainStep s : steps) seconds += s.seconds();
            out.put("steps", result.lastStep());
            out.put("first_loss", steps.get(0).loss());
            out.put("final_loss", steps.get(steps.size() - 1).loss());
            if (result.resumedFrom() > 0) out.put("resumed_from", result.resumedFrom());
            if (!validations.isEmpty()) {  // none when eval_every > steps
                out.put("best_step", result.bestStep());
                out.put("best_eval_loss", result.bestLoss());
                out.put("final_eval_loss", validations.get(validations.size() - 1).loss());
                out.put("stopped_early", result.stoppedEarly() ? 1 : 0);
            }
            out.put("model_step", savedStep);
            out.put("tokens_per_s", tokensPerSecond);
            out.put("mfu", flopsPerStep * steps.size() / seconds / (peakGflops * 1e9));
            out.put("seconds", (System.nanoTime() - start) / 1e9);
            return new StageResult(out);
        }
    }

    /** SFT: one row per example (several with packing), rows with nothing to learn left out. */
    private TokenBatch sftRows(StageContext ctx, Path data, TextTokenizer tokenizer, Map<String, Number> out) {
        // Format detected from the first record: a prepared data.jsonl, or any pair format the readers know.
        List<Example> examples = inDirection(DataReader.read(data, DataReader.Options.defaults()).examples());
        if (examples.isEmpty()) throw new UserInputException(data + ": no examples to train on");
        double[] weights = weights(examples);
        int weighted = 0;
        for (double w : weights) if (w != 1.0) weighted++;
        ChatEncoder encoder = encoder(tokenizer);
        SftBatches.Rows rows = config.packing()
                ? SftBatches.sftPacked(examples, weights, encoder, config.seqLen())
                : SftBatches.sft(examples, weights, encoder, config.seqLen());
        log.info("{}: {} examples ({} with a weight other than 1), {} truncated to seq_len {}, {} with nothing to learn (left out){}",
                ctx.name(), examples.size(), weighted, rows.truncated(), config.seqLen(), rows.emptyRows(),
                config.packing() ? "; packed into " + rows.batch().batchSize() + " rows" : "");
        if (rows.emptyRows() == examples.size()) {
            throw new UserInputException(data + ": every example has weight 0 or loses its whole reply to seq_len "
                    + config.seqLen() + ": nothing to learn");
        }
        out.put("examples", examples.size());
        out.put("truncated", rows.truncated());
        // Rows with nothing to learn (weight 0, reply cut off) would only cost compute, and a step made of
        // them alone has no loss at all; they would also dilute a held-out share.
        return rowsToLearn(rows.batch());
    }

    /** The examples as this stage's direction reads them: unchanged forward, response and instruction swapped reverse. */
    private List<Example> inDirection(List<Example> examples) {
        PairDirection direction = config.pairDirection();
        if (direction == PairDirection.FORWARD) return examples;
        List<Example> out = new ArrayList<>(examples.size());
        for (Example e : examples) out.add(direction.apply(e));
        return out;
    }

    private ChatEncoder encoder(TextTokenizer tokenizer) {
        return new ChatEncoder(tokenizer, ChatTemplate.forTokenizer(config.chatTemplate(), tokenizer));
    }

    /** Pretraining: the documents of data (up to max_documents / max_tokens) tokenized and cut into rows. */
    private TokenBatch pretrainRows(StageContext ctx, Path data, TextTokenizer tokenizer, Map<String, Number> out) {
        PretrainText text = PretrainText.read(data, tokenizer, config.maxDocuments(), config.maxTokens(), log::info);
        TokenBatch rows = text.rows(data, config.seqLen(), config.packing());
        log.info("{}: pretraining on {} documents ({} empty ones skipped), {} tokens in {} rows of seq_len {}{}",
                ctx.name(), text.documents(), text.skipped(), text.tokens(), rows.batchSize(), config.seqLen(),
                config.packing() ? " (packed: each document attends only to itself)" : "");
        out.put("documents", text.documents());
        out.put("text_tokens", text.tokens());
        out.put("rows", rows.batchSize());
        return rows;
    }

    /** eval_data's text (all of it) in rows and batches like the training rows. */
    private List<TokenBatch> pretrainEvalBatches(StageContext ctx, Path evalData, TextTokenizer tokenizer) {
        PretrainText text = PretrainText.read(evalData, tokenizer, 0, 0, log::info);
        TokenBatch rows = text.rows(evalData, config.seqLen(), config.packing());
        log.info("{}: eval_data: {} documents, {} rows", ctx.name(), text.documents(), rows.batchSize());
        return ValidationSplit.batches(rows, config.microBatch());
    }

    /** The rows with at least one non-zero loss weight, in order. */
    static TokenBatch rowsToLearn(TokenBatch rows) {
        List<Integer> keep = new ArrayList<>();
        for (int r = 0; r < rows.batchSize(); r++) {
            for (double w : rows.lossWeights()[r]) {
                if (w != 0) {
                    keep.add(r);
                    break;
                }
            }
        }
        if (keep.size() == rows.batchSize()) return rows;
        int[][] in = new int[keep.size()][];
        int[][] out = new int[keep.size()][];
        double[][] w = new double[keep.size()][];
        int[][] pos = new int[keep.size()][];
        int[][] seg = new int[keep.size()][];
        for (int i = 0; i < keep.size(); i++) {
            in[i] = rows.inputIds()[keep.get(i)];
            out[i] = rows.targetIds()[keep.get(i)];
            w[i] = rows.lossWeights()[keep.get(i)];
            pos[i] = rows.positions()[keep.get(i)];
            seg[i] = rows.segments()[keep.get(i)];
        }
        return new TokenBatch(in, out, w, pos, seg);
    }

    private static double[] weights(List<Example> examples) {
        double[] weights = new double[examples.size()];
        for (int i = 0; i < weights.length; i++) weights[i] = examples.get(i).weight();
        return weights;
    }

    /** eval_data's rows in batches of the model's shape. */
    private List<TokenBatch> evalBatches(Path evalData, ChatEncoder encoder) {
        Path file = dataFile(evalData);
        List<Example> examples = inDirection(DataReader.read(file, DataReader.Options.defaults()).examples());
        if (examples.isEmpty()) throw new UserInputException("eval_data " + file + ": no examples to validate on");
        SftBatches.Rows rows = SftBatches.sft(examples, weights(examples), encoder, config.seqLen());
        if (rows.emptyRows() == examples.size()) {
            throw new UserInputException("eval_data " + file + ": every example has weight 0 or loses its whole reply to"
                    + " seq_len " + config.seqLen() + ": nothing to validate on");
        }
        return ValidationSplit.batches(rowsToLearn(rows.batch()), config.microBatch());
    }

    /**
     * The step an interrupted attempt reached (its newest checkpoint), 0 for a fresh start. Refuses, before any work,
     * a checkpoint of a run that differs from this one (e.g. the data file changed since), naming what changed.
     */
    private int resumeStep(StageContext ctx, TrainingRun run) {
        if (!ctx.resumed()) return 0;
        RunCheckpoints store = new RunCheckpoints(ctx.workDir());
        store.removeLeftovers();
        Optional<Path> latest = store.latest();
        if (latest.isEmpty()) {
            log.info("{}: the interrupted attempt left no checkpoint; training from step 0", ctx.name());
            return 0;
        }
        RunState saved = RunCheckpoints.readState(latest.get());
        Map<String, String> now = run.identity();
        List<String> changed = new ArrayList<>();
        for (String key : new TreeSet<>(saved.identity().keySet())) {
            if (!saved.identity().get(key).equals(now.get(key))) changed.add(key);
        }
        for (String key : now.keySet()) if (!saved.identity().containsKey(key)) changed.add(key);
        if (!changed.isEmpty()) {
            throw new UserInputException(latest.get() + ": the interrupted run cannot be resumed, because "
                    + String.join(", ", changed) + (changed.size() == 1 ? " differs" : " differ")
                    + " from when it started (" + describe(changed, saved.identity(), now)
                    + "). Rerun with --no-resume to discard its checkpoints and train from step 0, or restore the inputs");
        }
        log.info("{}: resuming from {} (step {} of {})", ctx.name(), latest.get().getFileName(), saved.step(), config.steps());
        return saved.step();
    }

    /** A pretraining file's hash, or a folder's: the hash of its files' names and hashes. */
    private static String textHash(Path data) throws IOException {
        if (!Files.isDirectory(data)) return ContentHash.of(data);
        StringBuilder all = new StringBuilder();
        for (Path f : TextDocuments.files(data)) all.append(f.getFileName()).append(' ').append(ContentHash.of(f)).append('\n');
        return ContentHash.of(all.toString());
    }

    private static String describe(List<String> keys, Map<String, String> was, Map<String, String> now) {
        List<String> parts = new ArrayList<>();
        for (String k : keys) parts.add(k + ": " + abbreviate(was.get(k)) + " then, " + abbreviate(now.get(k)) + " now");
        return String.join("; ", parts);
    }

    private static String abbreviate(String v) {
        if (v == null) return "absent";
        return v.length() > 40 ? v.substring(0, 37) + "..." : v;
    }

    /**
     * What a checkpoint must match besides what {@link TrainingRun} checks itself (model, shapes, optimizer,
     * schedule, batch shape): the seed, the content of every input and the keys that shape the data.
     */
    private Map<String, String> identity(Path data, Path startModel) throws IOException {
        Map<String, String> id = new TreeMap<>();
        id.put("seed", Long.toString(seed));
        boolean pretrain = config.objective().equals("pretrain");
        id.put("data_sha256", pretrain ? textHash(data) : ContentHash.of(data));
        if (config.evalData() != null) {
            id.put("eval_data_sha256", pretrain ? textHash(config.evalData()) : ContentHash.of(dataFile(config.evalData())));
        }
        if (pretrain) {
            id.put("objective", config.objective());
            id.put("max_documents", Integer.toString(config.maxDocuments()));
            id.put("max_tokens", Long.toString(config.maxTokens()));
        }
        id.put("eval_fraction", Double.toString(config.evalFraction()));
        id.put("chat_template", config.chatTemplate());
        StringBuilder tok = new StringBuilder();
        for (Path f : tokenizerFiles(config.tokenizer())) tok.append(ContentHash.of(f), 0, 16).append(' ');
        id.put("tokenizer_sha256", tok.toString().trim());
        if (startModel != null) {
            StringBuilder m = new StringBuilder();
            for (Path f : modelFiles(startModel)) m.append(ContentHash.of(f), 0, 16).append(' ');
            id.put("model_sha256", m.toString().trim());
        }
        if (config.pairDirection() != PairDirection.FORWARD) id.put("direction", config.direction());
        if (config.lora() != null) id.put("lora", config.lora().toString());
        id.put("engine", config.engine());
        id.put("packing", Boolean.toString(config.packing()));
        if (config.buckets()) id.put("buckets", Arrays.toString(bucketLengths(config.seqLen()).lengths()));
        id.put("train_stage_code_version", Integer.toString(CODE_VERSION));
        return id;
    }

    /** The model being trained, and how to get its weights (and LoRA adapter) out of it for saving. */
    private record Engine(TrainableModel model, Supplier<DecoderWeights> weights, Supplier<LoraWeights> lora) {}

    /**
     * model/ (and with LoRA adapter/ first, the merged weights in model/). A model trained on a built-in chat format
     * gets it as chat_template in its tokenizer_config.json, for transformers' apply_chat_template.
     */
    private void save(Path dir, Engine engine, Path startModel) {
        List<Path> tokenizerFiles = tokenizerFiles(config.tokenizer());
        if (config.lora() == null) {
            HfCheckpoint.save(dir.resolve("model"), engine.weights().get(), tokenizerFiles);
        } else {
            LoraWeights adapter = engine.lora().get();
            LoraAdapterFile.save(dir.resolve("adapter"), adapter, startModel.toString());
            HfCheckpoint.save(dir.resolve("model"), LoraMerge.merge(engine.weights().get(), adapter), tokenizerFiles);
        }
        if (BuiltInChatTemplate.NAMES.contains(config.chatTemplate())) {
            TokenizerFiles.setChatTemplate(dir.resolve("model"),
                    BuiltInChatTemplate.jinja(BuiltInChatTemplate.named(config.chatTemplate(), "", "").format()));
        }
    }

    /** The bucket lengths of {@code buckets: true}: powers of two (see {@link BucketLengths#powersOfTwo}). */
    private static BucketLengths bucketLengths(int seqLen) {
        return BucketLengths.powersOfTwo(seqLen);
    }

    /** The model on the configured engine; both start from the same weights for the same seed. */
    private Engine engine(TextTokenizer tokenizer, Path startModel) {
        boolean eager = config.engine().equals("eager");
        int b = config.microBatch();
        int t = config.seqLen();
        if (config.init() != null) {
            InitConfig i = config.init();
            ModelConfig c;
            try {
                c = i.modelConfig(tokenizer.vocabSize(), Math.max(config.seqLen(), 2048), tokenizer.bosId().orElse(-1),
                        tokenizer.eosId().orElse(-1));
            } catch (IllegalArgumentException e) {
                throw new UserInputException("init with tokenizer " + config.tokenizer() + ": " + e.getMessage(), e);
            }
            requireMemoryForInit(c);
            Map<String, INDArray> init = DecoderParameters.random(c, seed, DataType.FLOAT);
            if (config.buckets()) {
                BucketedDecoder e = BucketedDecoder.build(c, init, b, bucketLengths(t), DataType.FLOAT);
                return new Engine(e, e::toWeights, () -> null);
            }
            if (eager) {
                EagerDecoder e = EagerDecoder.build(c, init, b, t, DataType.FLOAT);
                return new Engine(e, e::toWeights, e::loraWeights);
            }
            DecoderGraph g = DecoderGraph.build(c, init, b, t, DataType.FLOAT);
            return new Engine(g, g::toWeights, g::loraWeights);
        }
        Path m = startModel;
        // A frozen LoRA base on the eager engine keeps a bf16/f16 checkpoint's projection matrices in 16 bits (widened
        // exactly per gemm: the same numbers as widening them here); everything else trains on fp32 weights.
        HfCheckpoint.Precision precision = eager && config.lora() != null
                ? HfCheckpoint.Precision.AUTO : HfCheckpoint.Precision.F32;
        DecoderWeights weights = Files.isDirectory(m) ? HfCheckpoint.load(m, precision).weights() : Llama2cCheckpoint.read(m);
        if (weights.config().vocabSize() < tokenizer.vocabSize()) {
            throw new UserInputException("model " + m + ": vocab_size " + weights.config().vocabSize()
                    + " is smaller than the tokenizer's " + tokenizer.vocabSize() + " (" + config.tokenizer() + ")");
        }
        if (config.lora() == null) {
            if (config.buckets()) {
                BucketedDecoder e = BucketedDecoder.build(weights, b, bucketLengths(t), DataType.FLOAT);
                return new Engine(e, e::toWeights, () -> null);
            }
            if (eager) {
                EagerDecoder e = EagerDecoder.build(weights, b, t, DataType.FLOAT);
                return new Engine(e, e::toWeights, e::loraWeights);
            }
            DecoderGraph g = DecoderGraph.build(weights, b, t, DataType.FLOAT);
            return new Engine(g, g::toWeights, g::loraWeights);
        }
        // PEFT's init: A random, B zero, so training starts from the base model's outputs.
        LoraWeights lora = LoraWeights.init(config.lora().toLoraConfig(), weights.config(), seed);
        if (eager) {
            EagerDecoder e = EagerDecoder.buildWithLora(weights, lora, b, t, DataType.FLOAT, seed);
            return new Engine(e, e::toWeights, e::loraWeights);
        }
        DecoderGraph g = DecoderGraph.buildWithLora(weights, lora, b, t, DataType.FLOAT, seed);
        return new Engine(g, g::toWeights, g::loraWeights);
    }

    /**
     * The random init's memory, checked before any of it is allocated (validate bounds the layers; the embeddings
     * depend on the tokenizer's vocabulary): weights, gradients and AdamW's two moments in fp32 off-heap, under
     * JavaCPP's limit; each tensor is drawn as doubles on the heap first.
     */
    private static void requireMemoryForInit(ModelConfig c) {
        long offHeap = 16 * c.parameterCount();
        long limit = org.bytedeco.javacpp.Pointer.maxBytes();
        if (limit > 0 && offHeap > limit) {
            throw new UserInputException(String.format(Locale.ROOT, "init: %d weights (vocabulary %d × hidden_size %d twice, plus the layers)"
                    + " need %.1f GB off-heap for weights, gradients and AdamW state, more than the %.1f GB limit"
                    + " (org.bytedeco.javacpp.maxbytes); lower hidden_size or use a smaller tokenizer", c.parameterCount(), c.vocabSize(),
                    c.hiddenSize(), offHeap / 1e9, limit / 1e9));
        }
        long largest = Math.max((long) c.vocabSize(), c.intermediateSize()) * c.hiddenSize();
        HeapBudget.require(8 * largest, "init", "the largest random tensor (" + largest + " values, drawn as doubles)");
    }

    private double flopsPerToken(TrainableModel model) {
        if (config.lora() == null) return TrainingBench.modelFlopsPerToken(model.config(), config.seqLen());
        return TrainingBench.modelFlopsPerToken(model.config(), config.seqLen(), trainedParameters(model));
    }

    private static long trainedParameters(TrainableModel model) {
        long n = 0;
        for (String name : model.parameterNames()) n += model.parameter(name).length();
        return n;
    }

    private LrSchedule schedule() {
        return switch (config.schedule()) {
            case "cosine" -> LrSchedule.cosine(config.warmupSteps(), config.steps(), config.minLrRatio());
            case "linear" -> LrSchedule.linear(config.warmupSteps(), config.steps());
            default -> LrSchedule.constant(config.warmupSteps(), config.steps());
        };
    }

    /** The data.jsonl itself, or the one inside a folder. */
    private static Path dataFile(Path data) {
        return Files.isDirectory(data) ? data.resolve("data.jsonl") : data;
    }

    /** An HF directory's config and weights, or the llama2.c file. */
    private static List<Path> modelFiles(Path model) {
        if (!Files.isDirectory(model)) return List.of(model);
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(model)) {
            list.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("config.json") || n.equals("generation_config.json") || n.endsWith(".safetensors");
            }).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UserInputException("model " + model + ": cannot list the folder: " + e.getMessage(), e);
        }
        return files;
    }

    /** The tokenizer files to hash and to save next to the trained model (every file the tokenizer loads from). */
    private static List<Path> tokenizerFiles(Path tokenizer) {
        return TokenizerFiles.of(tokenizer);
    }
}
