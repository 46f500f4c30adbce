package dev.mutual.experiments.pipeline;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.experiments.recipe.InitConfig;
import dev.mutual.experiments.recipe.TrainConfig;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.graph.DecoderParameters;
import dev.mutual.trainer.lora.LoraAdapterFile;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraMerge;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.AdamW;
import dev.mutual.trainer.train.AdamWConfig;
import dev.mutual.trainer.train.LrSchedule;
import dev.mutual.trainer.train.MetricsLog;
import dev.mutual.trainer.train.SftBatches;
import dev.mutual.trainer.train.ShuffledBatches;
import dev.mutual.trainer.train.TrainStep;
import dev.mutual.trainer.train.Trainer;
import dev.mutual.trainer.train.TrainingBench;
import dev.mutual.trainer.train.WeightDecayGroups;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code train}: SFT with {@link Trainer} on the examples of a prepared {@code data.jsonl}, each weighted by its
 * {@code weight} (1 when absent). Full fine-tuning, or LoRA on a pretrained model. Writes {@code metrics.jsonl} as it
 * goes, {@code training.png} (loss and learning rate) at the end, and the final model to {@code model/} (HF format,
 * with the tokenizer files; with LoRA the merged model, and the PEFT adapter in {@code adapter/}). The folder is
 * complete only when the pipeline publishes it (renamed from {@code <stage>.partial/} after {@link #run} returns),
 * so a killed run never leaves a half-written model. Not resumable yet: an interrupted attempt starts over.
 * Packing (several examples per row) waits for the eager engine, whose attention can keep examples apart.
 */
final class TrainStage implements Stage {

    /** Bump when a change here, in SftBatches or in Trainer alters metrics.jsonl or the model. */
    static final int CODE_VERSION = 2;

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
        if (config.data() != null) files.add(dataFile(config.data()));
        if (config.model() != null) files.addAll(modelFiles(config.model()));
        files.addAll(tokenizerFiles(config.tokenizer()));
        return files;
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        Path data = config.data() != null ? dataFile(config.data()) : dataFile(ctx.upstreamDir(config.dataStage()));
        // Format detected from the first record: a prepared data.jsonl, or any pair format the readers know.
        List<Example> examples = DataReader.read(data, DataReader.Options.defaults()).examples();
        if (examples.isEmpty()) throw new UserInputException(data + ": no examples to train on");
        double[] weights = new double[examples.size()];
        int weighted = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = examples.get(i).weight();
            if (weights[i] != 1.0) weighted++;
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(config.tokenizer())) {
            ChatEncoder encoder = new ChatEncoder(tokenizer, ChatTemplate.forTokenizer(config.chatTemplate(), tokenizer));
            SftBatches.Rows rows = SftBatches.sft(examples, weights, encoder, config.seqLen());
            log.info("{}: {} examples ({} with a weight other than 1), {} truncated to seq_len {}, {} with nothing to learn",
                    ctx.name(), examples.size(), weighted, rows.truncated(), config.seqLen(), rows.emptyRows());
            if (rows.emptyRows() == examples.size()) {
                throw new UserInputException(data + ": every example has weight 0 or loses its whole reply to seq_len "
                        + config.seqLen() + ": nothing to learn");
            }

            DecoderGraph graph = graph(tokenizer);
            AdamW adamw = WeightDecayGroups.adamw(new AdamWConfig(config.lr(), 0.9, 0.95, 1e-8, config.weightDecay(),
                    config.clip()), graph, config.noDecay());
            Trainer trainer = new Trainer(graph, adamw, schedule(), config.gradAccum());
            // MFU's denominator, measured once per run: this machine's fp32 matmul rate through ND4J.
            double peakGflops = TrainingBench.sgemmGflops();
            double flopsPerStep = flopsPerToken(graph) * config.microBatch() * config.seqLen() * config.gradAccum();
            log.info("{}: {} parameters trained{}, {} decayed; {} GFLOP per step, sgemm peak {} GFLOP/s", ctx.name(),
                    trainedParameters(graph), config.lora() == null ? "" : " (LoRA rank " + config.lora().rank() + ")",
                    adamw.decayed().size(), String.format(Locale.ROOT, "%.2f", flopsPerStep / 1e9),
                    String.format(Locale.ROOT, "%.1f", peakGflops));

            List<TrainStep> steps = new ArrayList<>();
            long start = System.nanoTime();
            double tokensPerSecond;
            try (MetricsLog metrics = new MetricsLog(ctx.workDir().resolve("metrics.jsonl"), flopsPerStep, peakGflops * 1e9);
                 TrainingProgress progress = new TrainingProgress(log::info, ctx.name(), config.steps(), TrainingProgress.terminal())) {
                trainer.train(new ShuffledBatches(rows.batch(), config.microBatch(), seed), config.steps(), step -> {
                    metrics.accept(step);
                    steps.add(step);
                    progress.step(step);
                });
                tokensPerSecond = progress.tokensPerSecond();
            }
            TrainingPlot.write(ctx.workDir().resolve("training.png"), ctx.name() + ": loss and learning rate", steps);
            save(ctx.workDir(), graph);

            double seconds = 0;
            for (TrainStep s : steps) seconds += s.seconds();
            Map<String, Number> result = new LinkedHashMap<>();
            result.put("examples", examples.size());
            result.put("truncated", rows.truncated());
            result.put("steps", config.steps());
            result.put("first_loss", steps.get(0).loss());
            result.put("final_loss", steps.get(steps.size() - 1).loss());
            result.put("tokens_per_s", tokensPerSecond);
            result.put("mfu", flopsPerStep * steps.size() / seconds / (peakGflops * 1e9));
            result.put("seconds", (System.nanoTime() - start) / 1e9);
            return new StageResult(result);
        }
    }

    /** model/ (and with LoRA adapter/ first, the merged weights in model/). */
    private void save(Path dir, DecoderGraph graph) {
        List<Path> tokenizerFiles = tokenizerFiles(config.tokenizer());
        if (config.lora() == null) {
            HfCheckpoint.save(dir.resolve("model"), graph.toWeights(), tokenizerFiles);
            return;
        }
        LoraWeights adapter = graph.loraWeights();
        LoraAdapterFile.save(dir.resolve("adapter"), adapter, config.model().toString());
        HfCheckpoint.save(dir.resolve("model"), LoraMerge.merge(graph.toWeights(), adapter), tokenizerFiles);
    }

    private DecoderGraph graph(TextTokenizer tokenizer) {
        if (config.init() != null) {
            InitConfig i = config.init();
            // LLaMA-2 defaults (rms_norm_eps 1e-5, rope_theta 1e4), untied head, no biases.
            ModelConfig c = new ModelConfig("llama", i.hiddenSize(), i.intermediateSize(), i.layers(), i.heads(),
                    i.kvHeads(), i.hiddenSize() / i.heads(), tokenizer.vocabSize(), Math.max(config.seqLen(), 2048),
                    1e-5, 1e4, null, false, false, 0, tokenizer.bosId().orElse(-1), tokenizer.eosId().orElse(-1));
            return DecoderGraph.build(c, DecoderParameters.random(c, seed, DataType.FLOAT), config.microBatch(),
                    config.seqLen(), DataType.FLOAT);
        }
        Path m = config.model();
        DecoderWeights weights = Files.isDirectory(m) ? HfCheckpoint.load(m).weights() : Llama2cCheckpoint.read(m);
        if (weights.config().vocabSize() < tokenizer.vocabSize()) {
            throw new UserInputException("model " + m + ": vocab_size " + weights.config().vocabSize()
                    + " is smaller than the tokenizer's " + tokenizer.vocabSize() + " (" + config.tokenizer() + ")");
        }
        if (config.lora() == null) return DecoderGraph.build(weights, config.microBatch(), config.seqLen(), DataType.FLOAT);
        LoraConfig lora = config.lora().toLoraConfig();
        // PEFT's init: A random, B zero, so training starts from the base model's outputs.
        return DecoderGraph.buildWithLora(weights, LoraWeights.init(lora, weights.config(), seed), config.microBatch(),
                config.seqLen(), DataType.FLOAT, seed);
    }

    private double flopsPerToken(DecoderGraph graph) {
        if (config.lora() == null) return TrainingBench.modelFlopsPerToken(graph.config(), config.seqLen());
        return TrainingBench.modelFlopsPerToken(graph.config(), config.seqLen(), trainedParameters(graph));
    }

    private static long trainedParameters(DecoderGraph graph) {
        long n = 0;
        for (String name : graph.parameterNames()) n += graph.parameter(name).length();
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

    /** The tokenizer files to hash and to copy next to the trained model. */
    private static List<Path> tokenizerFiles(Path tokenizer) {
        if (Files.isDirectory(tokenizer)) return HfCheckpoint.tokenizerFilesIn(tokenizer);
        List<Path> files = new ArrayList<>(List.of(tokenizer));
        Path config = tokenizer.resolveSibling("tokenizer_config.json");
        if (tokenizer.getFileName().toString().equals("tokenizer.json") && Files.isRegularFile(config)) files.add(config);
        return files;
    }
}
