package dev.mutual.experiments.main;

import dev.mutual.experiments.cli.CliRun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A forward and a reverse model trained once per test JVM on the shipped Dolly seed sample (random d=64 decoders,
 * stories260K's 512-token tokenizer), for the tests of pair scoring and its stages. Every recipe built here has the
 * same name and runs root, so the pipeline reuses the trained stages from the first run (same cache keys) instead of
 * training again; a test adds its own stages after them.
 */
public final class TinyMainModels {

    public static final Path TOKENIZER = Path.of("../samples/tok512.bin").toAbsolutePath().normalize();
    public static final Path SEED = Path.of("../samples/seed_dolly_open_qa.jsonl").toAbsolutePath().normalize();
    public static final Path POOL = Path.of("../samples/unlabelled_oasst1.jsonl").toAbsolutePath().normalize();

    /** The stages every recipe here starts with: the seed, the pool (gold instructions kept aside), both models. */
    public static final String STAGES = """
              seed:
                type: prepare_data
                sources: [{path: %1$s, format: dolly, limit: 120}]
                max_chars: 200
              pool:
                type: prepare_data
                sources: [{path: %2$s, unlabelled: true}]
              forward:
                type: train
                data_stage: seed
                init: {hidden_size: 64, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 192}
                tokenizer: %3$s
                seq_len: 192
                micro_batch: 8
                steps: %4$d
                lr: 0.01
                buckets: true
                warmup_steps: 10
              reverse:
                type: train
                direction: reverse
                data_stage: seed
                init: {hidden_size: 64, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 192}
                tokenizer: %3$s
                seq_len: 192
                micro_batch: 8
                steps: %4$d
                lr: 0.01
                buckets: true
                warmup_steps: 10
            """.formatted(SEED, POOL, TOKENIZER, Integer.getInteger("tiny.steps", 150));

    private static Path runs;
    private static Path first;

    private TinyMainModels() {}

    /** The runs root every recipe here shares (deleted when the JVM exits). */
    public static synchronized Path runs() {
        if (runs == null) {
            try {
                runs = Files.createTempDirectory("mutual-tiny-main");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path root = runs;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
        }
        return runs;
    }

    /** A recipe of the shared stages plus {@code moreStages} (YAML under stages:, indented by 2). */
    public static String recipe(String moreStages) {
        return "name: tiny_main\nseed: 7\nstages:\n" + STAGES + moreStages;
    }

    /** Runs {@code recipe} (written to a file in {@code dir}) and returns its run directory. */
    public static Path run(Path dir, String recipe, String... overrides) throws IOException {
        Path file = Files.writeString(Files.createTempFile(dir, "recipe", ".yaml"), recipe);
        String[] args = new String[3 + overrides.length];
        args[0] = "run";
        args[1] = file.toString();
        args[2] = "paths.runs=" + runs();
        System.arraycopy(overrides, 0, args, 3, overrides.length);
        CliRun run = CliRun.of(args);
        if (run.code() != 0) throw new AssertionError("mutual run failed (" + run.code() + "):\n" + run.err() + run.out());
        return newestRun(run.out());
    }

    /** The run directory holding the trained seed, pool, forward and reverse stages. */
    public static synchronized Path models() throws IOException {
        if (first == null) first = run(runs(), recipe(""));
        return first;
    }

    /** The run directory from the "done: DIR" line {@code mutual run} prints last. */
    private static Path newestRun(String out) {
        for (String line : out.split("\n")) if (line.startsWith("done: ")) return Path.of(line.substring(6).trim());
        throw new AssertionError("no 'done: DIR' line in:\n" + out);
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder; nothing to report at exit
        }
    }
}
