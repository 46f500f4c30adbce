package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.experiments.pipeline.PipelineStage;
import dev.mutual.experiments.pipeline.Stages;
import dev.mutual.experiments.recipe.RecipeLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mutual validate} and {@code mutual run}, called in-process as bin/mutual calls them. */
class RecipeCommandsTest {

    private static final Path QUICKSTART = Path.of("../recipes/quickstart.yaml");

    @TempDir
    Path tmp;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int mutual(String... args) {
        CommandLine cli = MutualCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** The quickstart's stages, as MAIN's plan lays them out after the two data stages. */
    static final List<String> QUICKSTART_STAGES = List.of("prepare_seed", "prepare_pool", "forward_r0", "reverse_r0",
            "synthesize_r1", "score_r1", "select_r1", "diagnose_r1", "mix_r1", "forward_r1", "select_backtranslation",
            "mix_backtranslation", "forward_backtranslation", "eval_main", "eval_seed_only", "eval_backtranslation", "report");

    /** The quickstart at a fraction of its work: same stages and files, two training steps, a few items each. */
    static final List<String> SMALL = List.of("main.train.steps=2", "main.train.warmup_steps=0", "main.train.seq_len=256",
            "stages.prepare_pool.sources[0].limit=40", "main.synthesize.max_new_tokens=8", "main.select.rule=rank_sum",
            "main.select.top_k=4", "main.eval.ifeval.limit=4", "main.eval.ifeval.max_new_tokens=8",
            "main.eval.heldout.limit=8", "main.diagnose.limit=12");

    @Test
    void quickstartValidates() {
        assertEquals(0, mutual("validate", QUICKSTART.toString()), err::toString);
        StringBuilder stages = new StringBuilder();
        for (PipelineStage s : Stages.pipeline(RecipeLoader.load(QUICKSTART, List.of(), Map.of(), Path.of(""))).stages()) {
            stages.append(stages.length() == 0 ? "" : ", ").append(s.name()).append(" (").append(s.type()).append(")");
        }
        assertEquals("ok: ../recipes/quickstart.yaml: recipe 'quickstart', 17 stages: " + stages + "\n", out.toString());
        assertTrue(out.toString().contains("synthesize_r1 (synthesize), score_r1 (score_pairs), select_r1 (select)"), out::toString);
    }

    @Test
    void aMisspelledKeyInACopyOfTheQuickstartExits2NamingFileLineAndKey() throws IOException {
        String samples = Path.of("../samples").toAbsolutePath().normalize() + "/";
        String text = Files.readString(QUICKSTART).replace("../samples/", samples);
        List<String> lines = text.lines().toList();
        int line = lines.indexOf("    min_chars: 20") + 1;  // prepare_pool's, the second one
        assertTrue(line > 0);
        Path copy = Files.writeString(tmp.resolve("quickstart-typo.yaml"), text.replace("    min_chars: 20", "    min_chras: 20"));

        assertEquals(2, mutual("validate", copy.toString()));
        assertEquals("error: " + copy + ":" + line + ":5: unknown key 'stages.prepare_pool.min_chras'; did you mean "
                + "'min_chars'? (valid keys in stages.prepare_pool: type, sources, normalize, min_chars, max_chars, "
                + "tokenizer, min_tokens, max_tokens, exact_dedup, near_dedup, decontamination, runner)\n", err.toString());
        assertEquals("", out.toString());
    }

    /**
     * Issue #13: a tokenizer folder without tokenizer.json and a tokenizer file of random bytes validated, and run
     * failed only at the first train stage, after the data stages had done their work. Now validate and the start of
     * run both stop with one line naming the recipe key and the file, and run writes no run directory.
     */
    @Test
    void aTokenizerThatCannotLoadFailsValidateAndRunBeforeAnyStage() throws IOException {
        String samples = Path.of("../samples").toAbsolutePath().normalize() + "/";
        String text = Files.readString(QUICKSTART).replace("../samples/", samples);
        int line = text.lines().toList().indexOf("    tokenizer: " + samples + "tok512.bin") + 1;
        Path folder = Files.createDirectories(tmp.resolve("no-tokenizer-json"));
        Files.writeString(folder.resolve("tokenizer_config.json"), "{}");
        byte[] noise = new byte[4096];
        new java.util.Random(13).nextBytes(noise);
        Path randomBin = Files.write(tmp.resolve("random.bin"), noise);
        Path randomJson = Files.write(tmp.resolve("tokenizer.json"), noise);
        Map<Path, String> expected = Map.of(
                folder, folder + ": no tokenizer.json (or tokenizer.json.gz) in this folder",
                randomBin, randomBin + ": header max_token_length is ",
                randomJson, randomJson + " line 1: not valid JSON (");
        for (Map.Entry<Path, String> bad : expected.entrySet()) {
            Path recipe = Files.writeString(tmp.resolve("bad-tokenizer.yaml"),
                    text.replace(samples + "tok512.bin", bad.getKey().toString()));
            for (String command : List.of("validate", "run")) {
                out.getBuffer().setLength(0);
                err.getBuffer().setLength(0);
                long start = System.nanoTime();
                int code = mutual(command, recipe.toString(), "paths.runs=" + tmp.resolve("runs"));
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertEquals(2, code, err::toString);
                assertEquals(1, err.toString().strip().lines().count(), err::toString);
                // MAIN's train settings go to every train stage; the first one planned is reported.
                assertTrue(err.toString().startsWith("error: " + recipe + ":" + line + ":5: stages.forward_r0: tokenizer: "
                        + expected.get(bad.getKey())), err::toString);
                assertTrue(ms < 20_000, command + " took " + ms + " ms");
                assertEquals("", out.toString());
            }
        }
        assertTrue(Files.notExists(tmp.resolve("runs")), "run must stop before it creates a run directory");
        // A chat template the tokenizer cannot give is caught the same way.
        err.getBuffer().setLength(0);
        Path recipe = Files.writeString(tmp.resolve("no-template.yaml"),
                text.replace("chat_template: llama-2", "chat_template: model"));
        assertEquals(2, mutual("validate", recipe.toString()));
        assertTrue(err.toString().contains(": stages.forward_r0: chat_template: chat template \"model\": the tokenizer"
                + " has no chat_template in its tokenizer_config.json"), err::toString);
    }

    @Test
    void runWritesTheRunDirectoryThenReusesItAndForceRerunsDownstream() throws IOException {
        List<String> args = new ArrayList<>(List.of("run", QUICKSTART.toString(), "paths.runs=" + tmp.resolve("runs")));
        args.addAll(SMALL);
        assertEquals(0, mutual(args.toArray(String[]::new)), err::toString);
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/quickstart"))) {
            dir = d.findFirst().orElseThrow();
        }
        assertTrue(out.toString().startsWith("run directory: " + dir + "\n"), out::toString);
        for (String stage : QUICKSTART_STAGES) assertTrue(out.toString().contains("  " + stage + ": ran {"), stage + "\n" + out);
        for (String stage : List.of("prepare_seed", "prepare_pool")) {
            JsonNode manifest = new ObjectMapper().readTree(dir.resolve(stage + "/_SUCCESS.json").toFile());
            long kept = manifest.get("metrics").get("kept").asLong();
            assertTrue(kept > 0, stage);
            assertEquals(kept, Files.readAllLines(dir.resolve(stage + "/data.jsonl")).size(), stage);
        }
        // the report's path is the last line, and it compares MAIN and both baselines
        List<String> lines = out.toString().lines().toList();
        Path report = dir.resolve("report/report.md");
        assertEquals("report: " + report, lines.get(lines.size() - 1));
        String md = Files.readString(report);
        for (String row : List.of("| main |", "| seed_only (baseline) |", "| backtranslation |")) assertTrue(md.contains(row), row + "\n" + md);
        assertTrue(md.contains("shows the mechanics of the method, not the paper's effect"), md);
        // the AUROC printed is the one anybody recomputes from auroc_pairs.jsonl beside the report
        List<JsonNode> pairs = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("report/auroc_pairs.jsonl"))) pairs.add(new ObjectMapper().readTree(l));
        assertTrue(pairs.stream().anyMatch(p -> p.get("label").asInt() == 1) && pairs.stream().anyMatch(p -> p.get("label").asInt() == 0));
        for (String score : List.of("forward_pmi", "reverse_pmi", "mutual")) {
            double wins = 0, n = 0;
            for (JsonNode g : pairs) {
                if (g.get("label").asInt() != 1 || g.get(score).isNull()) continue;
                for (JsonNode s : pairs) {
                    if (s.get("label").asInt() != 0 || s.get(score).isNull()) continue;
                    double a = g.get(score).asDouble(), b = s.get(score).asDouble();
                    wins += a > b ? 1 : a == b ? 0.5 : 0;
                    n++;
                }
            }
            String row = String.format(Locale.ROOT, "| %s | %.4f |", score, wins / n);
            assertTrue(md.contains(row), row + "\n" + md);
        }
        // The resolved recipe reads back as the same recipe.
        assertEquals(RecipeLoader.load(QUICKSTART, args.subList(2, args.size()), Map.of(), Path.of("")),
                RecipeLoader.load(dir.resolve("recipe.resolved.yaml"), List.of(), Map.of(), Path.of("")));

        out.getBuffer().setLength(0);
        assertEquals(0, mutual(args.toArray(String[]::new)), err::toString);
        assertTrue(out.toString().contains("(resuming an earlier run of this recipe)"), out::toString);
        for (String stage : QUICKSTART_STAGES) assertTrue(out.toString().contains("  " + stage + ": cached {"), stage + "\n" + out);

        // --force select_r1 reruns it and what reads from it (MAIN's data, model, evaluation and the report), no more
        out.getBuffer().setLength(0);
        args.addAll(List.of("--force", "select_r1"));
        assertEquals(0, mutual(args.toArray(String[]::new)), err::toString);
        for (String stage : QUICKSTART_STAGES) {
            boolean downstream = List.of("select_r1", "mix_r1", "forward_r1", "eval_main", "report").contains(stage);
            assertTrue(out.toString().contains("  " + stage + (downstream ? ": ran {" : ": cached {")), stage + "\n" + out);
        }
    }

    /** The prepare stage's tokenizer key counts tokens as {@code data prepare --tokenizer} does (same input, same drops). */
    @Test
    void prepareStageFiltersByTokensOfItsTokenizer() throws IOException {
        Path input = DataCommandsTest.tokenBoundsInput(tmp);
        Path recipe = tmp.resolve("tokens.yaml");
        Files.writeString(recipe, String.join("\n",
                "name: tokens",
                "seed: 1",
                "stages:",
                "  prepare:",
                "    type: prepare_data",
                "    sources:",
                "      - path: " + input.getFileName(),
                "        format: alpaca",
                "    tokenizer: " + Path.of(DataCommandsTest.TOK512).toAbsolutePath(),
                "    min_tokens: 2",
                "    max_tokens: 15",
                "    exact_dedup: false",
                "    near_dedup:",
                "      enabled: false",
                ""));
        assertEquals(0, mutual("run", recipe.toString(), "paths.runs=" + tmp.resolve("runs")), err::toString);
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/tokens"))) {
            dir = d.findFirst().orElseThrow();
        }
        JsonNode metrics = new ObjectMapper().readTree(dir.resolve("prepare/_SUCCESS.json").toFile()).get("metrics");
        assertEquals(1, metrics.get("kept").asLong());
        assertEquals(2, metrics.get("dropped_length_filter").asLong());

        assertEquals(2, mutual("validate", recipe.toString(), "stages.prepare.tokenizer=null"));
        assertTrue(err.toString().contains("min_tokens / max_tokens need a tokenizer to count tokens"), err::toString);
    }

    @Test
    void badUsageAndBadInputExit2() {
        assertEquals(2, mutual("run", QUICKSTART.toString(), "paths.runs=" + tmp, "--force", "prepare_sed"));
        assertEquals("error: --force prepare_sed: no such stage; did you mean 'prepare_seed'? (stages: "
                + String.join(", ", QUICKSTART_STAGES) + ")\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, mutual("validate", tmp.resolve("none.yaml").toString()));
        assertEquals("error: recipe " + tmp.resolve("none.yaml") + ": no such file\n", err.toString());
        assertEquals(2, mutual("validate"));
        assertEquals(2, mutual("validate", QUICKSTART.toString(), "stages.prepare_seed.min_chars=ten"));
        assertTrue(err.toString().endsWith("error: override 'stages.prepare_seed.min_chars=ten': stages.prepare_seed.min_chars: "
                + "expected an integer, found 'ten'\n"), err::toString);
    }
}
