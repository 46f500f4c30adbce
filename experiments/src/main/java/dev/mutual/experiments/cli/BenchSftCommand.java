package dev.mutual.experiments.cli;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.read.DataReader;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.eager.BucketedDecoder;
import dev.mutual.trainer.eager.EagerDecoder;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.AdamW;
import dev.mutual.trainer.train.AdamWConfig;
import dev.mutual.trainer.engine.BucketLengths;
import dev.mutual.trainer.train.LengthBuckets;
import dev.mutual.trainer.train.LrSchedule;
import dev.mutual.trainer.train.ShuffledBatches;
import dev.mutual.trainer.train.SftBatches;
import dev.mutual.trainer.train.TrainStep;
import dev.mutual.trainer.train.Trainer;
import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.train.TrainingBench;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mutual bench sft}: trained-token throughput on real SFT data with each way of batching it: every row padded
 * to seq_len ({@code pad}), length buckets ({@code buckets}: {@link LengthBuckets} + {@link BucketedDecoder}) or
 * packing ({@code pack}: {@link SftBatches#sftPacked}), on the eager engine and the bench decoder (d=256, 4 layers)
 * with the tokenizer's vocabulary. Prints one JSON line last.
 */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Trained (non-zero weight) tokens/s on real SFT data: padded, length-bucketed or packed batches.")
final class BenchSftCommand implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "samples/seed_dolly_open_qa.jsonl",
            description = "instruction-response data (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--tokenizer", defaultValue = "samples/tok512.bin",
            description = "tokenizer.json or llama2.c .bin (default ${DEFAULT-VALUE})")
    Path tokenizer;

    @Option(names = "--chat-template", defaultValue = "alpaca", description = "chat template (default ${DEFAULT-VALUE})")
    String chatTemplate;

    @Option(names = "--batching", defaultValue = "buckets", description = "pad, buckets or pack (default ${DEFAULT-VALUE})")
    String batching;

    @Option(names = "--bucket-step", defaultValue = "0",
            description = "with buckets: lengths in steps of this many tokens; 0 for powers of two (default ${DEFAULT-VALUE})")
    @Range(min = 0)
    int bucketStep;

    @Option(names = "--batch", defaultValue = "4", description = "sequences per micro-batch (default ${DEFAULT-VALUE})")
    @Range(min = 1)
    int batch;

    @Option(names = "--seq", defaultValue = "512", description = "seq_len (default ${DEFAULT-VALUE})")
    @Range(min = 1)
    int seq;

    @Option(names = "--steps", defaultValue = "20", description = "timed steps (default ${DEFAULT-VALUE})")
    @Range(min = 1)
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed steps first (default ${DEFAULT-VALUE})")
    @Range(min = 0)
    int warmup;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!List.of("pad", "buckets", "pack").contains(batching)) {
            throw new UserInputException("--batching: expected pad, buckets or pack, found \"" + batching + "\"");
        }
        if (!Files.isRegularFile(data)) throw new UserInputException("--data: no such file " + data);
        List<Example> examples = DataReader.read(data, DataReader.Options.defaults()).examples();
        if (examples.isEmpty()) throw new UserInputException(data + ": no examples");
        double[] weights = examples.stream().mapToDouble(Example::weight).toArray();
        ModelConfig config;
        SftBatches.Rows rows;
        try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
            ChatEncoder encoder = new ChatEncoder(tok, ChatTemplate.forTokenizer(chatTemplate, tok));
            rows = batching.equals("pack") ? SftBatches.sftPacked(examples, weights, encoder, seq)
                    : SftBatches.sft(examples, weights, encoder, seq);
            config = TrainingBench.torchBenchConfig(tok.vocabSize());
        }
        var init = DecoderParameters.random(config, 1, DataType.FLOAT);
        TrainableModel model;
        Iterator<TokenBatch> batches;
        if (batching.equals("buckets")) {
            BucketLengths lengths = bucketStep > 0 ? BucketLengths.multiplesOf(bucketStep, seq)
                    : BucketLengths.powersOfTwo(seq);
            model = BucketedDecoder.build(config, init, batch, lengths, DataType.FLOAT);
            batches = new LengthBuckets(rows.batch(), batch, lengths, 1);
        } else {
            model = EagerDecoder.build(config, init, batch, seq, DataType.FLOAT);
            batches = new ShuffledBatches(rows.batch(), batch, 1);
        }
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(3e-4, 0.9, 0.95, 1e-8, 0.1, 1.0), model);
        List<TrainStep> done = new ArrayList<>();
        long[] positions = new long[1];
        Iterator<TokenBatch> counted = new Iterator<>() {   // positions computed: batch rows * batch length
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public TokenBatch next() {
                TokenBatch b = batches.next();
                if (done.size() >= warmup) positions[0] += (long) b.batchSize() * b.seqLen();
                return b;
            }
        };
        long start = System.nanoTime();
        new Trainer(model, adamw, LrSchedule.constant(0, warmup + steps), 1).train(counted, warmup + steps, s -> {
            done.add(s);
            System.err.printf(Locale.ROOT, "step %d/%d (%s) loss %.4f, %d trained tokens, %.2f s, RSS %.0f MB%n",
                    s.step(), warmup + steps, s.step() <= warmup ? "warm-up" : "timed", s.loss(), s.tokens(),
                    (System.nanoTime() - start) / 1e9, ProcessUsage.rssMb());
        });
        List<TrainStep> timed = done.subList(warmup, done.size());
        double seconds = timed.stream().mapToDouble(TrainStep::seconds).sum();
        long tokens = timed.stream().mapToLong(TrainStep::tokens).sum();
        String engines = model instanceof BucketedDecoder b ? Arrays.toString(b.builtLengths()) : "[" + seq + "]";
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "{\"bench\":\"sft\",\"batching\":\"%s\",\"data\":\"%s\",\"examples\":%d,\"rows\":%d,"
                        + "\"batch\":%d,\"seq\":%d,\"steps\":%d,\"trained_tokens_per_s\":%.1f,\"positions_per_s\":%.1f,"
                        + "\"trained_fraction\":%.4f,\"engine_lengths\":\"%s\",\"peak_rss_mb\":%.0f,"
                        + "\"first_loss\":%.4f}%n", batching, data.getFileName(), examples.size(), rows.batch().batchSize(),
                batch, seq, steps, tokens / seconds, positions[0] / seconds, (double) tokens / positions[0], engines,
                ProcessUsage.peakRssMb(), done.get(0).loss());
        out.flush();
        return 0;
    }
}
