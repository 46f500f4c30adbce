package dev.mutual.experiments.pipeline;

import dev.mutual.data.Example;
import dev.mutual.data.Progress;
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
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.AdamW;
import dev.mutual.trainer.train.AdamWConfig;
import dev.mutual.trainer.train.LrSchedule;
import dev.mutual.trainer.train.MetricsLog;
import dev.mutual.trainer.train.SftBatches;
import dev.mutual.trainer.train.ShuffledBatches;
import dev.mutual.trainer.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
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
 * Stage {@code train}: SFT with {@link Trainer} on the examples of a prepared {@code data.jsonl}, every example with
 * weight 1. Writes {@code metrics.jsonl} as it goes and the final model to {@code model/} (HF format, with the
 * tokenizer files). The model folder is complete only when the pipeline publishes the stage folder (renamed from
 * {@code <stage>.partial/} after {@link #run} returns), so a killed run never leaves a half-written model.
 * Not resumable yet: an interrupted attempt starts over.
 */
final class TrainStage implements Stage {

    /** Bump when a change here, in SftBatches or in Trainer alters metrics.jsonl or the model. */
    static final int CODE_VERSION = 1;

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
        try (TextTokenizer tokenizer = TextTokenizer.load(config.tokenizer())) {
            ChatEncoder encoder = new ChatEncoder(tokenizer, ChatTemplate.forTokenizer(config.chatTemplate(), tokenizer));
            double[] weights = new double[examples.size()];
            Arrays.fill(weights, 1.0);
            SftBatches.Rows rows = SftBatches.sft(examples, weights, encoder, config.seqLen());
            log.info("{}: {} examples, {} truncated to seq_len {}, {} with nothing to learn", ctx.name(),
                    examples.size(), rows.truncated(), config.seqLen(), rows.emptyRows());

            DecoderGraph graph = graph(tokenizer);
            AdamW adamw = AdamW.forDecoder(new AdamWConfig(config.lr(), 0.9, 0.95, 1e-8, config.weightDecay(),
                    config.clip()), graph);
            Trainer trainer = new Trainer(graph, adamw, schedule(), config.gradAccum());
            Progress progress = new Progress(log, ctx.name(), config.steps(), "steps", 5000);
            double[] loss = new double[2];   // first and last step's loss
            try (MetricsLog metrics = new MetricsLog(ctx.workDir().resolve("metrics.jsonl"))) {
                trainer.train(new ShuffledBatches(rows.batch(), config.microBatch(), seed), config.steps(), step -> {
                    metrics.accept(step);
                    if (step.step() == 1) loss[0] = step.loss();
                    loss[1] = step.loss();
                    progress.update(step.step(), String.format("loss %.4f, lr %.2e", step.loss(), step.learningRate()));
                });
            }
            progress.finish();
            HfCheckpoint.save(ctx.workDir().resolve("model"), graph.toWeights(), tokenizerFiles(config.tokenizer()));

            Map<String, Number> result = new LinkedHashMap<>();
            result.put("examples", examples.size());
            result.put("truncated", rows.truncated());
            result.put("steps", config.steps());
            result.put("first_loss", loss[0]);
            result.put("final_loss", loss[1]);
            result.put("seconds", progress.seconds());
            return new StageResult(result);
        }
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
        return DecoderGraph.build(weights, config.microBatch(), config.seqLen(), DataType.FLOAT);
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
