package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.experiments.recipe.RecipeLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @Test
    void quickstartValidates() {
        assertEquals(0, mutual("validate", QUICKSTART.toString()), err::toString);
        assertEquals("ok: ../recipes/quickstart.yaml: recipe 'quickstart', 3 stages: prepare_seed (prepare_data), "
                + "prepare_pool (prepare_data), train_forward (train)\n", out.toString());
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
                + "tokenizer, min_tokens, max_tokens, exact_dedup, near_dedup, decontamination)\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void runWritesTheRunDirectoryThenReusesItAndForceRerunsDownstream() throws IOException {
        String runs = "paths.runs=" + tmp.resolve("runs");
        assertEquals(0, mutual("run", QUICKSTART.toString(), runs), err::toString);
        Path dir;
        try (Stream<Path> d = Files.list(tmp.resolve("runs/quickstart"))) {
            dir = d.findFirst().orElseThrow();
        }
        assertTrue(out.toString().startsWith("run directory: " + dir + "\n"), out::toString);
        assertTrue(out.toString().contains("  prepare_seed: ran {"), out::toString);
        for (String stage : List.of("prepare_seed", "prepare_pool")) {
            JsonNode manifest = new ObjectMapper().readTree(dir.resolve(stage + "/_SUCCESS.json").toFile());
            long kept = manifest.get("metrics").get("kept").asLong();
            assertTrue(kept > 0, stage);
            assertEquals(kept, Files.readAllLines(dir.resolve(stage + "/data.jsonl")).size(), stage);
            assertEquals(manifest.get("metrics").get("examples_read").asLong(), kept + manifest.get("metrics").get("dropped").asLong());
        }
        assertTrue(out.toString().contains("  train_forward: ran {"), out::toString);
        assertEquals(8, Files.readAllLines(dir.resolve("train_forward/metrics.jsonl")).size());
        assertTrue(Files.isRegularFile(dir.resolve("train_forward/model/model.safetensors")));
        // The resolved recipe reads back as the same recipe.
        assertEquals(RecipeLoader.load(QUICKSTART, List.of(runs), Map.of(), Path.of("")),
                RecipeLoader.load(dir.resolve("recipe.resolved.yaml"), List.of(), Map.of(), Path.of("")));

        out.getBuffer().setLength(0);
        assertEquals(0, mutual("run", QUICKSTART.toString(), runs), err::toString);
        assertTrue(out.toString().contains("(resuming an earlier run of this recipe)"), out::toString);
        assertTrue(out.toString().contains("  prepare_seed: cached {") && out.toString().contains("  prepare_pool: cached {")
                && out.toString().contains("  train_forward: cached {"), out::toString);

        out.getBuffer().setLength(0);
        assertEquals(0, mutual("run", QUICKSTART.toString(), runs, "--force", "prepare_pool"), err::toString);
        assertTrue(out.toString().contains("  prepare_seed: cached {") && out.toString().contains("  prepare_pool: ran {"), out::toString);
        assertEquals(9, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
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
        assertEquals("error: --force prepare_sed: no such stage; did you mean 'prepare_seed'? (stages: prepare_seed, prepare_pool, train_forward)\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, mutual("validate", tmp.resolve("none.yaml").toString()));
        assertEquals("error: recipe " + tmp.resolve("none.yaml") + ": no such file\n", err.toString());
        assertEquals(2, mutual("validate"));
        assertEquals(2, mutual("validate", QUICKSTART.toString(), "stages.prepare_seed.min_chars=ten"));
        assertTrue(err.toString().endsWith("error: override 'stages.prepare_seed.min_chars=ten': stages.prepare_seed.min_chars: "
                + "expected an integer, found 'ten'\n"), err::toString);
    }
}
