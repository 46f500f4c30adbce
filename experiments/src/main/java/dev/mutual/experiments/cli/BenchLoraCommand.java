package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.eager.ComputeThreads;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.model.ModelConfig;
import dev.mutual.trainer.train.LoraBench;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mutual bench lora}: LoRA fine-tuning tokens/s and peak RSS of a randomly initialised Qwen2-0.5B-shaped
 * model on the eager engine, printing one JSON line last to set beside {@code tools/peft_lora_bench.py}'s. Threads:
 * {@code --threads} ({@link ComputeThreads#set}: the engine's threads and OpenBLAS's), as the Python script's
 * {@code --threads} ({@code torch.set_num_threads}). {@code --base-dtype bf16} keeps the frozen base's projection
 * matrices in bf16 (widened to fp32 into one scratch array right before each gemm).
 */
@Command(name = "lora", mixinStandardHelpOptions = true,
        description = "LoRA training throughput (forward, backward, AdamW on A and B) of a random Qwen2-0.5B-shaped"
                + " model, with peak RSS.")
final class BenchLoraCommand implements Callable<Integer> {

    @Option(names = "--shape", defaultValue = "qwen2-0.5b",
            description = "qwen2-0.5b (24 layers, d 896, vocab 151936, tied, q/k/v bias) or tiny-qwen2 (2 layers,"
                    + " d 64, vocab 512: a smoke run) (default ${DEFAULT-VALUE})")
    String shape;

    @Option(names = "--layers", defaultValue = "0",
            description = "decoder layers instead of the shape's (a shorter run with the same widths and vocabulary,"
                    + " e.g. for profiling); 0 keeps the shape's (default ${DEFAULT-VALUE})")
    @Range(min = 0, max = ModelConfig.MAX_LAYERS)
    int layers;

    @Option(names = "--lora-rank", defaultValue = "16", description = "LoRA r (default ${DEFAULT-VALUE})")
    @Range(min = 1, max = 4096)
    int rank;

    @Option(names = "--lora-alpha", defaultValue = "32", description = "lora_alpha (default ${DEFAULT-VALUE})")
    @Range(min = 0, max = 1_000_000)
    double alpha;

    @Option(names = "--batch", defaultValue = "1", description = "sequences per micro-batch (default ${DEFAULT-VALUE})")
    @Range(min = 1, max = 4096)
    int batch;

    @Option(names = "--seq", defaultValue = "512", description = "tokens per sequence (default ${DEFAULT-VALUE})")
    @Range(min = 1, max = 1 << 20)
    int seq;

    @Option(names = "--grad-accum", defaultValue = "4",
            description = "micro-batches per optimizer step (default ${DEFAULT-VALUE})")
    @Range(min = 1, max = 1 << 20)
    int accumulation;

    @Option(names = "--steps", defaultValue = "2", description = "timed optimizer steps (default ${DEFAULT-VALUE})")
    @Range(min = 1, max = 1 << 20)
    int steps;

    @Option(names = "--warmup", defaultValue = "1",
            description = "untimed optimizer steps first (default ${DEFAULT-VALUE})")
    @Range(min = 0, max = 1 << 20)
    int warmup;

    @Option(names = "--base-dtype", defaultValue = "fp32",
            description = "the frozen base's projection matrices: fp32, or bf16 (the random values rounded to bf16 and"
                    + " kept in 16 bits, widened exactly to fp32 right before each gemm; embedding, norms and biases"
                    + " stay fp32) (default ${DEFAULT-VALUE})")
    String baseDtype;

    @Option(names = "--threads", description = "compute threads: OpenBLAS's and the engine's own (default: the"
            + " available processors)")
    @Range(min = 1, max = 4096)
    Integer threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig config = switch (shape) {
            case "qwen2-0.5b" -> LoraBench.qwen2_0_5b();
            case "tiny-qwen2" -> new ModelConfig("qwen2", 64, 160, 2, 4, 2, 16, 512, 2048, 1e-6, 1_000_000.0, null,
                    true, true, 0, 1, 2);
            default -> throw new UserInputException("--shape: expected qwen2-0.5b or tiny-qwen2, found \"" + shape + "\"");
        };
        if (layers > 0) {
            config = new ModelConfig(config.modelType(), config.hiddenSize(), config.intermediateSize(), layers,
                    config.numHeads(), config.numKvHeads(), config.headDim(), config.vocabSize(), config.maxPositions(),
                    config.rmsNormEps(), config.ropeTheta(), config.ropeScaling(), config.tieWordEmbeddings(),
                    config.attentionBias(), config.slidingWindow(), config.bosTokenId(), config.eosTokenId());
        }
        if (!(alpha > 0)) throw new UserInputException("--lora-alpha: expected a positive number, found " + alpha);
        boolean bf16 = switch (baseDtype) {
            case "fp32" -> false;
            case "bf16" -> true;
            default -> throw new UserInputException("--base-dtype: expected fp32 or bf16, found \"" + baseDtype + "\"");
        };
        int computeThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ComputeThreads.set(computeThreads);
        var settings = new LoraBench.Settings(config, LoraConfig.allLinear(rank, alpha, 0), batch, seq, accumulation,
                warmup, steps, bf16);
        int total = warmup + steps;
        long start = System.nanoTime();
        LoraBench.Result r = LoraBench.run(settings, step -> System.err.printf(Locale.ROOT,
                "step %d/%d (%s) %.1f s, RSS %.0f MB%n", step, total, step <= warmup ? "warm-up" : "timed",
                (System.nanoTime() - start) / 1e9, ProcessUsage.rssMb()));
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "{\"bench\":\"lora\",\"impl\":\"mutual\",\"shape\":\"%s\",\"base_dtype\":\"%s\",\"layers\":%d,\"lora_rank\":%d,"
                        + "\"lora_alpha\":%s,\"lora_params\":%d,\"batch\":%d,\"seq\":%d,\"grad_accum\":%d,\"steps\":%d,"
                        + "\"threads\":%d,\"tokens_per_s\":%.2f,\"setup_s\":%.1f,\"peak_rss_mb\":%.0f,"
                        + "\"rss_after_warmup_mb\":%.0f,\"rss_end_mb\":%.0f,\"first_loss\":%.4f,\"last_loss\":%.4f}%n",
                shape, baseDtype, config.numLayers(), rank, alpha, r.loraParameters(), batch, seq, accumulation, steps,
                computeThreads,
                r.tokensPerSecond(), r.setupSeconds(), r.peakRssMb(), r.rssAfterWarmupMb(), r.rssEndMb(), r.firstLoss(),
                r.lastLoss());
        out.flush();
        return 0;
    }
}
