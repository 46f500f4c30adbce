package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.Scorer;
import dev.mutual.trainer.model.DecoderWeights;
import dev.mutual.trainer.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code mutual bench score}: scoring tokens/s (forward + log-softmax of every target token) on random weights,
 * by default d=256, 4 layers, 4 heads, 2 KV heads, ffn 688, vocab 32000, seq 256: the config of
 * shared/bench/torch_llama_bench.py, so the number sits beside PyTorch's training tokens/s.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Scoring speed (tokens/s) at several batch sizes on a random model; one JSON line per batch size.")
final class BenchScoreCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR",
            description = "HF model folder to score with instead of the random model (--dim .. --vocab are then ignored)")
    java.nio.file.Path model;
    @Range(min = 1) @Option(names = "--dim", defaultValue = "256") int dim;
    @Range(min = 1) @Option(names = "--layers", defaultValue = "4") int layers;
    @Range(min = 1) @Option(names = "--heads", defaultValue = "4") int heads;
    @Range(min = 1) @Option(names = "--kv-heads", defaultValue = "2") int kvHeads;
    @Range(min = 1) @Option(names = "--ffn", defaultValue = "688") int ffn;
    @Range(min = 16) @Option(names = "--vocab", defaultValue = "32000") int vocab;
    @Range(min = 2) @Option(names = "--seq", defaultValue = "256", description = "Tokens per sequence: 1 prompt token (BOS) + seq-1 target tokens.") int seq;
    @Option(names = "--batch", split = ",", defaultValue = "1,8,32", description = "Batch sizes (default: ${DEFAULT-VALUE}).") List<Integer> batches;
    @Range(min = 1) @Option(names = "--sequences", defaultValue = "64", description = "Sequences scored per batch size (default: ${DEFAULT-VALUE}).") int sequences;
    @Range(min = 1) @Option(names = "--threads", defaultValue = "2", description = "Threads (default: ${DEFAULT-VALUE}).") int threads;
    @Option(names = "--scalar", description = "Scalar reference kernels instead of the Vector API.") boolean scalar;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        DecoderWeights w;
        if (model != null) {
            if (!java.nio.file.Files.isDirectory(model)) {
                throw new dev.mutual.data.UserInputException("--model " + model + ": not a model folder");
            }
            w = dev.mutual.trainer.checkpoint.HfCheckpoint.load(model).weights();
            vocab = w.config().vocabSize();
        } else {
            w = randomWeights(new ModelConfig("llama", dim, ffn, layers, heads, kvHeads, dim / heads, vocab, seq, 1e-5,
                    10000.0, null, false, false, 0, 1, 2), 1234);
        }
        ModelConfig c = w.config();
        Random rng = new Random(99);
        List<Scorer.Request> requests = new ArrayList<>();
        for (int i = 0; i < sequences; i++) {
            int[] target = new int[seq - 1];
            for (int j = 0; j < target.length; j++) target[j] = rng.nextInt(vocab);
            requests.add(new Scorer.Request(new int[] {1}, target));
        }
        ObjectMapper json = new ObjectMapper();
        try (Decoder d = new Decoder(w, !scalar, threads)) {
            // Warm-up: until C2 has compiled the vector kernels they run through slow fallbacks (BENCHMARKS.md).
            for (int pass = 0; pass < 2; pass++) new Scorer(d, Math.min(8, sequences)).score(requests.subList(0, Math.min(8, sequences)), null);
            for (int b : batches) {
                long t0 = System.nanoTime(), c0 = ProcessUsage.cpuNanos();
                double check = 0;
                for (Scorer.Score s : new Scorer(d, b).score(requests, null)) check += s.sumLogprob();
                double s = (System.nanoTime() - t0) / 1e9, cpu = (ProcessUsage.cpuNanos() - c0) / 1e9;
                long tokens = (long) sequences * seq;
                ObjectNode o = json.createObjectNode();
                o.put("bench", "score");
                o.put("config", "d=" + c.hiddenSize() + " L=" + c.numLayers() + " H=" + c.numHeads() + " KV=" + c.numKvHeads()
                        + " ffn=" + c.intermediateSize() + " V=" + c.vocabSize() + " seq=" + seq
                        + (model != null ? " model=" + model.getFileName() : ""));
                o.put("path", scalar ? "scalar" : "vector");
                o.put("threads", threads);
                o.put("batch", b);
                o.put("tokens", tokens);
                o.put("seconds", s);
                o.put("tokens_per_s", Math.round(tokens / s));
                o.put("cpu_seconds", cpu);
                o.put("load_average", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                o.put("mean_logprob", check / (sequences * (double) (seq - 1)));
                o.put("peak_rss_mb", (long) ProcessUsage.peakRssMb());
                spec.commandLine().getOut().println(o);
                spec.commandLine().getOut().flush();
            }
        }
        return 0;
    }

    /** Weights ~ N(0, 0.02) (HF initializer_range), norms 1, as a freshly initialised HF model. */
    static DecoderWeights randomWeights(ModelConfig c, long seed) {
        Random r = new Random(seed);
        int d = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.numKvHeads() * c.headDim(), f = c.intermediateSize();
        List<DecoderWeights.Layer> ls = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            ls.add(new DecoderWeights.Layer(ones(d), normal(r, q * d), null, normal(r, kv * d), null, normal(r, kv * d), null,
                    normal(r, d * q), ones(d), normal(r, f * d), normal(r, f * d), normal(r, d * f)));
        }
        float[] embed = normal(r, c.vocabSize() * d);
        return new DecoderWeights(c, embed, ls, ones(d), c.tieWordEmbeddings() ? embed : normal(r, c.vocabSize() * d));
    }

    private static float[] normal(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * 0.02);
        return a;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
