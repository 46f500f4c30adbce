package dev.mutual.trainer.train;

import dev.mutual.trainer.engine.TrainableModel;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.eager.EagerDecoder;
import dev.mutual.trainer.graph.DecoderGraph;
import dev.mutual.trainer.engine.DecoderParameters;
import dev.mutual.trainer.engine.LossAndGradients;
import dev.mutual.trainer.engine.TokenBatch;
import dev.mutual.trainer.model.ModelConfig;
import java.util.Random;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training throughput on random tokens: forward, backward and an AdamW step, the same work as
 * {@code shared/bench/torch_llama_bench.py} (untied head, fp32), on the eager engine or the SameDiff graph.
 */
public final class TrainingBench {

    /** Which implementation computes loss and gradients. */
    public enum Engine {
        /** {@link EagerDecoder}: hand-written backward pass on preallocated arrays. */
        EAGER,
        /** {@link DecoderGraph}: SameDiff autodiff. */
        SAMEDIFF
    }

    /**
     * @param config  the decoder, e.g. {@link #torchBenchConfig}
     * @param batch   sequences per step, e.g. 8
     * @param seqLen  tokens per sequence, e.g. 128
     * @param warmup  untimed steps first, e.g. 2
     * @param steps   timed steps, e.g. 10
     * @param gcEveryStep call System.gc() after each step: SameDiff leaves a step's intermediate arrays (about
     *                    2.3 GB at V=32000) to the GC, and with a small heap the GC runs too rarely on its own;
     *                    the eager engine allocates nothing per step and needs no GC
     * @param engine  EAGER or SAMEDIFF
     */
    public record Settings(ModelConfig config, int batch, int seqLen, int warmup, int steps, boolean gcEveryStep,
                           Engine engine) {
        public Settings {
            if (batch <= 0 || seqLen <= 0 || warmup < 0 || steps <= 0) {
                throw new IllegalArgumentException("batch, seqLen and steps must be > 0 and warmup >= 0");
            }
        }
    }

    /**
     * @param tokensPerSecond  batch * seqLen * steps / timed seconds
     * @param modelGflopPerStep 6 * matmul params * tokens + 12 * layers * seqLen * q_dim * tokens (PaLM, appendix B)
     * @param peakGflops       measured fp32 sgemm rate of this machine (2048^2, ND4J)
     * @param mfu              achieved model GFLOP/s over peakGflops
     * @param peakRssMb        VmHWM of this process
     * @param firstLoss        loss of the first step (about ln vocab)
     * @param rssAfterWarmupMb RSS when the timed steps start
     * @param rssEndMb         RSS after the last step (flat from warm-up on when nothing leaks per step)
     * @param lastLoss         the last step's loss (beside first_loss: the curve PyTorch's script prints)
     * @param optimizerMs      mean milliseconds of a timed step spent in AdamW (clipping norm and update)
     */
    public record Result(double tokensPerSecond, double modelGflopPerStep, double peakGflops, double mfu,
                         double peakRssMb, double firstLoss, double rssAfterWarmupMb, double rssEndMb,
                         double lastLoss, double optimizerMs) {}

    private TrainingBench() {}

    /** d=256, 4 layers, 4 heads, 2 KV heads, ffn 688, untied: torch_llama_bench.py's defaults. */
    public static ModelConfig torchBenchConfig(int vocab) {
        return new ModelConfig("llama", 256, 688, 4, 4, 2, 64, vocab, 2048, 1e-5, 10000.0, null, false, false, 0,
                -1, -1);
    }

    /** Runs the benchmark; {@code progress} hears each finished step (warm-up included). */
    public static Result run(Settings s, IntConsumer progress) {
        ModelConfig c = s.config();
        var weights = DecoderParameters.random(c, 1, DataType.FLOAT);
        TrainableModel graph = s.engine() == Engine.EAGER
                ? EagerDecoder.build(c, weights, s.batch(), s.seqLen(), DataType.FLOAT)
                : DecoderGraph.build(c, weights, s.batch(), s.seqLen(), DataType.FLOAT);
        AdamW adamw = AdamW.forDecoder(new AdamWConfig(3e-4, 0.9, 0.95, 1e-8, 0.1, 1.0), graph);
        Random rng = new Random(2);
        double firstLoss = Double.NaN, lastLoss = Double.NaN;
        long start = 0, optimizerNanos = 0;
        double rssAfterWarmup = 0;
        for (int step = 0; step < s.warmup() + s.steps(); step++) {
            if (step == s.warmup()) {
                rssAfterWarmup = ProcessUsage.rssMb();
                start = System.nanoTime();
            }
            int[][] ids = new int[s.batch()][s.seqLen() + 1];
            for (int[] row : ids) for (int t = 0; t < row.length; t++) row[t] = rng.nextInt(c.vocabSize());
            try (LossAndGradients lg = graph.lossAndGradients(TokenBatch.nextToken(ids))) {
                if (step == 0) firstLoss = lg.loss();
                lastLoss = lg.loss();
                long before = System.nanoTime();
                adamw.step(lg.gradients(), 3e-4);
                if (step >= s.warmup()) optimizerNanos += System.nanoTime() - before;
            }
            if (s.gcEveryStep()) System.gc();
            progress.accept(step + 1);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double rssEnd = ProcessUsage.rssMb();   // before the sgemm measurement below allocates its matrices
        double tokens = (double) s.batch() * s.seqLen() * s.steps();
        double gflopPerStep = modelFlopsPerToken(c, s.seqLen()) * s.batch() * s.seqLen() / 1e9;
        double peak = sgemmGflops();
        double achieved = gflopPerStep * s.steps() / seconds;
        return new Result(tokens / seconds, gflopPerStep, peak, achieved / peak, ProcessUsage.peakRssMb(), firstLoss,
                rssAfterWarmup, rssEnd, lastLoss, optimizerNanos / 1e6 / s.steps());
    }

    /** Training FLOPs per token: 6 per matmul weight (forward + 2x backward) plus attention scores and values. */
    public static double modelFlopsPerToken(ModelConfig c, int seqLen) {
        return 6.0 * matmulParameters(c) + attentionFlopsPerToken(c, seqLen);
    }

    /**
     * The same for LoRA training: a frozen weight costs 4 FLOPs per token (forward and the input's gradient, no
     * weight gradient), the adapter's {@code loraParameters} (A and B) the full 6.
     */
    public static double modelFlopsPerToken(ModelConfig c, int seqLen, long loraParameters) {
        return 4.0 * matmulParameters(c) + 6.0 * loraParameters + attentionFlopsPerToken(c, seqLen);
    }

    /** Weights that multiply each token's activations: the layers' linears and the head (the lookup is free). */
    private static long matmulParameters(ModelConfig c) {
        long d = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long perLayer = d * q + 2 * d * kv + q * d + 3 * d * c.intermediateSize();
        return c.numLayers() * perLayer + (long) c.vocabSize() * d;
    }

    /** Scores and weighted values: 2 matmuls of 2 FLOPs per multiply-add, times 3 for forward and backward. */
    private static double attentionFlopsPerToken(ModelConfig c, int seqLen) {
        return 12.0 * c.numLayers() * seqLen * c.numHeads() * c.headDim();
    }

    /** fp32 2048x2048 matmul rate, best of 5 after 2 warm-ups (the MFU denominator). */
    public static double sgemmGflops() {
        int n = 2048;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray out = Nd4j.create(DataType.FLOAT, n, n);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 7; i++) {
            long t0 = System.nanoTime();
            a.mmuli(b, out);
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= 2) best = Math.min(best, s);
        }
        a.close();
        b.close();
        out.close();
        return 2.0 * n * n * n / best / 1e9;
    }
}
