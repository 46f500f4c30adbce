package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.trainer.ProcessUsage;
import dev.mutual.trainer.checkpoint.HfCheckpoint;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import dev.mutual.trainer.model.DecoderWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mutual bench generate}: greedy tokens/s from BOS, llama2.c run.c style (one sequence, KV cache). */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Greedy generation speed (tokens/s) on stories260K by default; prints one JSON line per run.")
final class BenchGenerateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "PATH", description = "llama2.c .bin or HF directory (default: shared stories260K).")
    Path model;

    @Option(names = "--tokens", defaultValue = "256", description = "New tokens per run (default: ${DEFAULT-VALUE}, as run.c's -n 256).")
    @Range(min = 1)
    int tokens;

    @Option(names = "--runs", defaultValue = "10", description = "Measured runs after the warm-up runs (the JIT compiles the vector kernels late) (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int runs;

    @Option(names = "--warmup", defaultValue = "30", description = "Warm-up runs before the measured ones (default: ${DEFAULT-VALUE}; fewer for a large model).")
    @Range(min = 0)
    int warmup;

    @Option(names = "--threads", defaultValue = "1", description = "Threads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1)
    int threads;

    @Option(names = "--scalar", description = "Scalar reference kernels instead of the Vector API.")
    boolean scalar;

    @Option(names = "--weights", defaultValue = "auto", paramLabel = "auto|f32|bf16",
            description = "An HF model's matrices in memory: auto (default) keeps a bf16/f16 checkpoint in 16 bits, f32 widens "
                    + "everything up front, bf16 rounds every matrix to bf16.")
    ModelOptions.Weights weights;

    @Option(names = "--prompt", split = ",", paramLabel = "IDS",
            description = "Prompt token ids, comma-separated (default: BOS = 1 alone).")
    List<Integer> prompt;

    @Option(names = "--ids", description = "Print the generated token ids in each JSON line (to compare with another engine).")
    boolean ids;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path path = model != null ? model : SharedData.file("models/stories260K/stories260K.bin", "--model");
        if (!Files.exists(path)) throw new UserInputException("--model " + path + ": not found");
        long l0 = System.nanoTime();
        DecoderWeights w = Files.isDirectory(path) ? HfCheckpoint.load(path, ModelOptions.precision(weights)).weights() : Llama2cCheckpoint.read(path);
        double loadSeconds = (System.nanoTime() - l0) / 1e9;
        int[] start = prompt == null ? new int[] {1} : prompt.stream().mapToInt(Integer::intValue).toArray();
        if (start.length == 0) throw new UserInputException("--prompt: expected at least one token id");
        for (int t : start) {
            if (t < 0 || t >= w.config().vocabSize()) {
                throw new UserInputException("--prompt: token id " + t + " outside the vocabulary 0.." + (w.config().vocabSize() - 1));
            }
        }
        int n = Math.min(tokens, w.config().maxPositions() - start.length);
        if (n < 1) throw new UserInputException("--prompt: " + start.length + " ids leave no room in " + w.config().maxPositions() + " positions");
        ObjectMapper json = new ObjectMapper();
        try (Decoder d = new Decoder(w, !scalar, threads)) {
            Generator g = new Generator(d);
            for (int i = 0; i < warmup; i++) g.generate(List.of(start), GenerationOptions.greedy(n), null);
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime(), c0 = ProcessUsage.cpuNanos();
                int[] out = g.generate(List.of(start), GenerationOptions.greedy(n), null).get(0).tokens();
                int produced = out.length;
                double s = (System.nanoTime() - t0) / 1e9, cpu = (ProcessUsage.cpuNanos() - c0) / 1e9;
                ObjectNode o = json.createObjectNode();
                o.put("bench", "generate");
                o.put("model", path.getFileName().toString());
                o.put("path", scalar ? "scalar" : "vector");
                o.put("weights", w.half().isEmpty() ? "f32" : w.half().values().iterator().next().format().name().toLowerCase(java.util.Locale.ROOT));
                o.put("load_seconds", loadSeconds);
                o.put("threads", threads);
                o.put("run", r);
                o.put("tokens", produced);
                o.put("seconds", s);
                o.put("tokens_per_s", Math.round(produced / s));
                // On a shared machine wall time includes waiting for a core; CPU time (all JVM threads) does not.
                o.put("cpu_seconds", cpu);
                o.put("tokens_per_cpu_s", Math.round(produced / cpu));
                o.put("peak_rss_mb", (long) ProcessUsage.peakRssMb());
                o.put("load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                if (ids) {
                    var array = o.putArray("ids");
                    for (int t : out) array.add(t);
                }
                spec.commandLine().getOut().println(o);
                spec.commandLine().getOut().flush();
            }
        }
        return 0;
    }
}
