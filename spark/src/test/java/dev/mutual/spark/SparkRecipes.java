package dev.mutual.spark;

import dev.mutual.experiments.cli.MutualCli;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small MAIN recipe on the quickstart samples (stories260K fine-tuned a few steps each way, a pool of the first 40 oasst1 responses (about 15 after prepare_data)),
 * run in-process through the CLI as bin/mutual runs it. Every recipe here has the same name and runs root, so a
 * run that only changes the runner of synthesize reuses the prepared data and both trained models (same cache keys)
 * and reruns synthesize, score_pairs and select.
 */
final class SparkRecipes {

    static final Path SAMPLES = Path.of("../samples").toAbsolutePath().normalize();

    /** synth (k=2, 20 responses, shards of 3 items), score (shards of 7 pairs), select: the stages compared. */
    static final String RECIPE = """
            name: spark_equal
            seed: 11
            stages:
              seed:
                type: prepare_data
                sources: [{path: %1$s/seed_dolly_open_qa.jsonl, format: dolly, limit: 40}]
                max_chars: 300
              pool:
                type: prepare_data
                sources: [{path: %1$s/unlabelled_oasst1.jsonl, unlabelled: true, limit: 40}]
                max_chars: 700
              forward:
                type: train
                data_stage: seed
                model: %1$s/stories260K.bin
                tokenizer: %1$s/tok512.bin
                chat_template: llama-2
                seq_len: 192
                micro_batch: 8
                steps: 3
                lr: 0.002
              reverse:
                type: train
                direction: reverse
                data_stage: seed
                model: %1$s/stories260K.bin
                tokenizer: %1$s/tok512.bin
                chat_template: llama-2
                seq_len: 192
                micro_batch: 8
                steps: 3
                lr: 0.002
              synth:
                type: synthesize
                model_stage: reverse
                pool_stage: pool
                k: 2
                temperature: 0.9
                max_new_tokens: 12
                shard_size: 3
                batch_size: 4
              score:
                type: score_pairs
                candidates_stage: synth
                forward_stage: forward
                reverse_stage: reverse
                shard_size: 7
                batch_size: 5
              keep:
                type: select
                scores_stage: score
                allow_empty: true
            """.formatted(SAMPLES);

    private static Path baselineRoot;
    private static Path baseline;

    private SparkRecipes() {}

    /**
     * The runs root every test of this JVM shares (deleted at exit) and the local runner's run in it, made once:
     * later runs there reuse its prepared data and trained models.
     */
    static synchronized Path baselineRoot() throws IOException {
        if (baselineRoot == null) {
            baselineRoot = Files.createTempDirectory("mutual-spark-test");
            Path root = baselineRoot;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
            baseline = run(root);
        }
        return baselineRoot;
    }

    /** The local runner's run directory (see {@link #baselineRoot}). */
    static synchronized Path baseline() throws IOException {
        baselineRoot();
        return baseline;
    }

    static void deleteQuietly(Path root) {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder; nothing to report at exit
        }
    }

    /** Runs the recipe (written into {@code runs}) with {@code overrides}; returns the run directory. */
    static Path run(Path runs, String... overrides) throws IOException {
        return runRecipe(runs, "spark_equal.yaml", RECIPE, overrides);
    }

    /** Runs {@code recipe} (written into {@code runs} as {@code fileName}) with {@code overrides}; returns the run directory. */
    static Path runRecipe(Path runs, String fileName, String recipe, String... overrides) throws IOException {
        Path file = runs.resolve(fileName);
        if (!Files.exists(file)) Files.writeString(file, recipe);
        String[] args = new String[3 + overrides.length];
        args[0] = "run";
        args[1] = file.toString();
        args[2] = "paths.runs=" + runs.resolve("runs");
        System.arraycopy(overrides, 0, args, 3, overrides.length);
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = MutualCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        if (code != 0) throw new AssertionError("mutual run failed (" + code + "):\n" + err + out);
        for (String line : out.toString().split("\n")) if (line.startsWith("done: ")) return Path.of(line.substring(6).trim());
        throw new AssertionError("no 'done: DIR' line in:\n" + out);
    }

    /** The bytes of a stage's output file. */
    static byte[] output(Path run, String stage, String file) throws IOException {
        return Files.readAllBytes(run.resolve(stage).resolve(file));
    }
}
