package dev.mutual.trainer.train;

import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.eager.EagerDecoder;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.lora.LoraConfig;
import dev.mutual.trainer.lora.LoraWeights;
import dev.mutual.trainer.model.HalfMatrix;
import dev.mutual.trainer.model.ModelConfig;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LoRA fine-tuning throughput on random tokens: a randomly initialised base (frozen) with a fresh adapter on the
 * chosen linears, optimizer steps of {@code accumulation} micro-batches through {@link Trainer} (forward, backward,
 * AdamW on A and B only) on the eager engine in fp32. {@code tools/peft_lora_bench.py} does the same work in PyTorch
 * + PEFT, for the ratio in BENCHMARKS.md "Qwen2-0.5B-shaped LoRA".
 */
public final class LoraBench {

    /**
     * @param config       the base decoder, e.g. {@link #qwen2_0_5b}
     * @param lora         rank, alpha, dropout, targets, e.g. {@code LoraConfig.allLinear(16, 32, 0)}
     * @param batch        sequences per micro-batch, e.g. 1
     * @param seqLen       tokens per sequence, e.g. 512
     * @param accumulation micro-batches per optimizer step, e.g. 4
     * @param warmup       untimed optimizer steps first, e.g. 1
     * @param steps        timed optimizer steps, e.g. 3
     * @param bf16Base     the base's projection matrices drawn in bf16 and kept in 16 bits (packed in panels, as
     *                     {@code HfCheckpoint.load(dir, Precision.AUTO)} holds a bf16 checkpoint's), widened per gemm;
     *                     else every base tensor in fp32
     */
    public record Settings(ModelConfig config, LoraConfig lora, int batch, int seqLen, int accumulation, int warmup,
                           int steps, boolean bf16Base) {
        public Settings {
            if (batch <= 0 || seqLen <= 0 || accumulation <= 0 || warmup < 0 || steps <= 0) {
                throw new IllegalArgumentException("batch, seqLen, accumulation and steps must be > 0 and warmup >= 0");
            }
        }

        /** An fp32 base. */
        public Settings(ModelConfig config, LoraConfig lora, int batch, int seqLen, int accumulation, int warmup, int steps) {
            this(config, lora, batch, seqLen, accumulation, warmup, steps, false);
        }
    }

    /**
     * @param tokensPerSecond  batch * seqLen * accumulation * steps / timed seconds
     * @param loraParameters   trainable A and B values
     * @param setupSeconds     building the random base, the adapter and the engine
     * @param peakRssMb        VmHWM of this process at the end
     * @param rssAfterWarmupMb RSS when the timed steps start
     * @param rssEndMb         RSS after the last step
     * @param firstLoss        mean loss of the first optimizer step (about ln vocab)
     * @param lastLoss         mean loss of the last optimizer step
     */
    public record Result(double tokensPerSecond, long loraParameters, double setupSeconds, double peakRssMb,
                         double rssAfterWarmupMb, double rssEndMb, double firstLoss, double lastLoss) {}

    private LoraBench() {}

    /**
     * Qwen2-0.5B's shape (its {@code config.json}): 24 layers, hidden 896, 14 heads and 2 KV heads of 64, MLP 4864,
     * vocabulary 151936, q/k/v bias, tied embeddings, rope_theta 1e6, RMSNorm eps 1e-6, no sliding window.
     */
    public static ModelConfig qwen2_0_5b() {
        return new ModelConfig("qwen2", 896, 4864, 24, 14, 2, 64, 151936, 32768, 1e-6, 1_000_000.0, null, true, true,
                0, 151643, 151643);
    }

    /** Runs the benchmark; {@code progress} hears each finished optimizer step (warm-up included). */
    public static Result run(Settings s, IntConsumer progress) {
        long setupStart = System.nanoTime();
        ModelConfig c = s.config();
        Map<String, HalfMatrix> half = new LinkedHashMap<>();
        Map<String, INDArray> base = DecoderParameters.random(c, 1, DataType.FLOAT,
                name -> s.bf16Base() && name.endsWith("_proj.weight"), half);
        LoraWeights adapter = LoraWeights.init(s.lora(), c, 3);
        EagerDecoder model = EagerDecoder.buildWithLora(c, base, half, adapter, s.batch(), s.seqLen(), DataType.FLOAT, 5);
        base.clear();   // the engine holds them (used in place: fp32 c-order)
        AdamW adamw = WeightDecayGroups.adamw(new AdamWConfig(2e-4, 0.9, 0.999, 1e-8, 0.0, 1.0), model,
                WeightDecayGroups.DEFAULT_NO_DECAY);
        int total = s.warmup() + s.steps();
        Trainer trainer = new Trainer(model, adamw, LrSchedule.constant(0, total), s.accumulation());
        double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
        Iterator<TokenBatch> batches = randomBatches(c.vocabSize(), s.batch(), s.seqLen(), new Random(2));
        double[] losses = new double[total];
        trainer.train(batches, s.warmup(), st -> {
            losses[st.step() - 1] = st.loss();
            progress.accept(st.step());
        });
        double rssAfterWarmup = ProcessUsage.rssMb();
        long start = System.nanoTime();
        trainer.train(batches, s.steps(), st -> {
            losses[st.step() - 1] = st.loss();
            progress.accept(st.step());
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        double tokens = (double) s.batch() * s.seqLen() * s.accumulation() * s.steps();
        return new Result(tokens / seconds, adapter.parameterCount(), setupSeconds, ProcessUsage.peakRssMb(),
                rssAfterWarmup, ProcessUsage.rssMb(), losses[0], losses[total - 1]);
    }

    /** Endless next-token batches of uniformly random ids. */
    private static Iterator<TokenBatch> randomBatches(int vocab, int batch, int seqLen, Random rng) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public TokenBatch next() {
                int[][] ids = new int[batch][seqLen + 1];
                for (int[] row : ids) for (int t = 0; t < row.length; t++) row[t] = rng.nextInt(vocab);
                return TokenBatch.nextToken(ids);
            }
        };
    }
}
