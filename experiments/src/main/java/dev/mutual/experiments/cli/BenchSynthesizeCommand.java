package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import dev.mutual.trainer.model.DecoderWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.model.DecoderWeights;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code mutual bench synthesize}: MAIN's synthesis step as the synthesize stage runs it (the reverse model reads a
 * response and samples an instruction): the batched {@link Generator} with temperature 0.7 and top-p 0.9, one random
 * stream per prompt, on a random ~20M-parameter model. New tokens/s per batch size; tools/hf_main_bench.py does the
 * same work with transformers' {@code generate}. Prompts are random ids; no stop token, so every sequence
 * generates exactly {@code --new-tokens}.
 */
@Command(name = "synthesize", mixinStandardHelpOptions = true,
        description = "MAIN synthesis speed: batched sampling (temperature 0.7, top-p 0.9) on a random 19.3M-parameter model; "
                + "new tokens/s, one JSON line per batch size.")
final class BenchSynthesizeCommand implements Callable<Integer> {
    @Mixin BenchModelOptions model;

    @Option(names = "--model", paramLabel = "DIR",
            description = "An HF model folder to run instead of the random model (the shape options are then ignored).")
    Path modelDir;

    @Option(names = "--batch", split = ",", defaultValue = "1,16,64", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--sequences", defaultValue = "16",
            description = "Sequences generated per batch size, in batches of that size; at least one whole batch "
                    + "(default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int sequences;

    @Option(names = "--prompt-tokens", defaultValue = "128",
            description = "Tokens per prompt, BOS included: the response the reverse model reads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "64",
            description = "New tokens per sequence, the synthesize stage's max_new_tokens (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int newTokens;

    @Option(names = "--temperature", defaultValue = "0.7", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, exclusive = true)
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1, exclusive = true)
    double topP;

    @Option(names = "--warmup", defaultValue = "2",
            description = "Warm-up calls at batch 16 before measuring, for the JIT (default: ${DEFAULT-VALUE}).")
    @Range(min = 0)
    int warmup;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        for (int b : batches) if (b < 1) throw new UserInputException("--batch: expected sizes >= 1, found " + b);
        GenerationOptions options = new GenerationOptions(newTokens, temperature, 0, topP, 1, List.of(), List.of(), 0);
        ObjectMapper json = new ObjectMapper();
        try (Decoder d = modelDir == null ? model.decoder(promptTokens + newTokens) : load(promptTokens + newTokens)) {
            int vocab = d.config().vocabSize();
            String config = modelDir == null ? model.describe() : modelDir.getFileName() + " d=" + d.config().hiddenSize() + " L="
                    + d.config().numLayers() + " H=" + d.config().numHeads() + " KV=" + d.config().numKvHeads() + " ffn="
                    + d.config().intermediateSize() + " V=" + vocab;
            Generator g = new Generator(d);
            long params = d.weights().parameterCount();
            // Warm-up: until C2 has compiled the vector kernels they run through slow fallbacks (BENCHMARKS.md).
            for (int i = 0; i < warmup; i++) generate(g, options, 1000 + 16 * i, 16, vocab);
            for (int b : batches) {
                int n = Math.max(sequences, b);
                long t0 = System.nanoTime(), c0 = ProcessUsage.cpuNanos();
                long produced = 0, checksum = 1;
                for (int first = 0; first < n; first += b) {
                    for (Generator.Result r : generate(g, options, first, Math.min(b, n - first), vocab)) {
                        produced += r.tokens().length;
                        checksum = 31 * checksum + Arrays.hashCode(r.tokens());
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9, cpu = (ProcessUsage.cpuNanos() - c0) / 1e9;
                ObjectNode o = json.createObjectNode();
                o.put("bench", "synthesize");
                o.put("config", config);
                o.put("parameters", params);
                o.put("threads", model.threads);
                o.put("batch", b);
                o.put("sequences", n);
                o.put("prompt_tokens", promptTokens);
                o.put("temperature", temperature);
                o.put("top_p", topP);
                o.put("new_tokens", produced);
                o.put("seconds", s);
                o.put("tokens_per_s", Math.round(produced / s));
                o.put("cpu_seconds", cpu);
                o.put("load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                o.put("peak_rss_mb", (long) ProcessUsage.peakRssMb());
                // the same prompts and seeds at every batch size: the same tokens (one random stream per prompt)
                o.put("tokens_checksum", Long.toHexString(checksum));
                spec.commandLine().getOut().println(o);
                spec.commandLine().getOut().flush();
            }
        }
        return 0;
    }

    /** The --model folder on the vector kernels with --threads, checked for room for {@code positions} tokens. */
    private Decoder load(int positions) {
        if (!Files.isDirectory(modelDir)) throw new UserInputException("--model " + modelDir + ": expected an HF model folder");
        DecoderWeights w = HfCheckpoint.load(modelDir).weights();
        if (w.config().maxPositions() < positions) {
            throw new UserInputException("--model " + modelDir + ": max_position_embeddings " + w.config().maxPositions()
                    + " is less than --prompt-tokens + --new-tokens = " + positions);
        }
        return new Decoder(w, true, model.threads);
    }

    /** Prompts {@code first .. first + n - 1}: BOS then random ids from that prompt's own seed, sampled with seed = index. */
    private List<Generator.Result> generate(Generator g, GenerationOptions options, int first, int n, int vocab) {
        List<int[]> prompts = new ArrayList<>(n);
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            Random r = new Random(first + i);
            int[] p = new int[promptTokens];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) p[j] = 3 + r.nextInt(vocab - 3);
            prompts.add(p);
            seeds[i] = first + i;
        }
        return g.generate(prompts, options, seeds, null);
    }
}
