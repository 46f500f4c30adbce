package dev.mutual.experiments.cli;

import dev.mutual.experiments.pipeline.RunDirectory;
import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeLoader;
import dev.mutual.experiments.recipe.RecipeWriter;
import dev.mutual.testing.LoopbackHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hf:// paths through the CLI and a recipe, from a loopback Hub serving a real model (samples/stories260K converted
 * to an HF folder) and a real dataset file (samples/seed_dolly_open_qa.jsonl).
 */
class HubPathsTest {
    @TempDir
    Path dir;
    LoopbackHub hub;
    Path local;
    String modelCommit;
    String dataCommit;
    Map<String, String> env;

    @BeforeEach
    void serve() throws IOException {
        local = dir.resolve("stories-hf");
        CliRun conv = CliRun.of("convert", "--llama2c", "../samples/stories260K.bin", "--tokenizer", "../samples/tok512.bin",
                "--output", local.toString());
        assertEquals(0, conv.code(), conv.err());
        hub = LoopbackHub.start();
        modelCommit = hub.addModel("karpathy/stories260K", local);
        dataCommit = hub.addDataset("org/seed", Map.of("seed_dolly_open_qa.jsonl", Files.readAllBytes(Path.of("../samples/seed_dolly_open_qa.jsonl"))));
        env = Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", dir.resolve("hf").toString());
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    CliRun cli(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = MutualCli.commandLine(environment);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    @Test
    void generateFromAHubModelMatchesTheLocalFolderAndDownloadsOnce() {
        CliRun fromDir = CliRun.of("generate", "--model", local.toString(), "--prompt", "Once upon a time", "--max-new-tokens", "20");
        CliRun fromHub = cli(env, "generate", "--model", "hf://karpathy/stories260K", "--prompt", "Once upon a time", "--max-new-tokens", "20");
        assertEquals(0, fromHub.code(), fromHub.err());
        assertEquals(fromDir.out(), fromHub.out());
        assertTrue(Files.isDirectory(dir.resolve("hf/hub/models--karpathy--stories260K/snapshots/" + modelCommit)));
        assertTrue(hub.downloads() >= 4, hub.requests().toString());   // config, generation_config, tok512.bin, weights

        hub.clearRequests();
        CliRun again = cli(env, "generate", "--model", "hf://karpathy/stories260K@" + modelCommit, "--prompt", "Once upon a time",
                "--max-new-tokens", "20");
        assertEquals(fromDir.out(), again.out());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void aHubPathThatCannotBeHadIsOneLineNamingTheOption() {
        CliRun typo = cli(env, "generate", "--model", "hf://karpathy/stories206K", "--prompt", "x");
        assertEquals(MutualCli.EXIT_BAD_INPUT, typo.code());
        assertEquals("error: --model hf://karpathy/stories206K@main: repository karpathy/stories206K not found on " + hub.endpoint()
                + " (HTTP 401): check the name (ORG/NAME as on its page; a dataset is hf://datasets/ORG/NAME/FILE); if it is private,"
                + " set HF_TOKEN to a token of your account (" + hub.endpoint() + "/settings/tokens) or log in with 'hf auth login'\n",
                typo.err().replace("\r\n", "\n"));

        Map<String, String> offline = new java.util.HashMap<>(env);
        offline.put("HF_HUB_OFFLINE", "1");
        CliRun notCached = cli(offline, "data", "prepare", "--input", "hf://datasets/org/seed/seed_dolly_open_qa.jsonl", "--output",
                dir.resolve("prep").toString());
        assertEquals(MutualCli.EXIT_BAD_INPUT, notCached.code());
        assertTrue(notCached.err().startsWith("error: --input hf://datasets/org/seed/seed_dolly_open_qa.jsonl: not in the Hugging Face cache "),
                notCached.err());
        assertTrue(notCached.err().contains("HF_HUB_OFFLINE is set"), notCached.err());
    }

    @Test
    void aRecipeNamingAMissingFileFailsAtLoadNamingTheLineAndKey() throws IOException {
        Path recipeFile = dir.resolve("bad.yaml");
        Files.writeString(recipeFile, """
                name: bad
                init: {hidden_size: 8, layers: 1, heads: 2, kv_heads: 1, intermediate_size: 16}
                tokenizer: hf://karpathy/stories260K/tok521.bin
                data: ../samples/seed_dolly_open_qa.jsonl
                steps: 1
                """);
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.mutual.data.UserInputException.class,
                () -> RecipeLoader.loadTraining(recipeFile, List.of(), env, dir));
        assertEquals(recipeFile + ":3:12: tokenizer: hf://karpathy/stories260K@main/tok521.bin: no file 'tok521.bin' in karpathy/stories260K"
                + " at revision main (HTTP 404): check the file name and folder (the files are listed at " + hub.endpoint()
                + "/karpathy/stories260K/tree/main)", e.getMessage());
    }

    @Test
    void dataPrepareReadsADatasetFileByHubName() throws IOException {
        CliRun prep = cli(env, "data", "prepare", "--input", "hf://datasets/org/seed/seed_dolly_open_qa.jsonl", "--output",
                dir.resolve("prep").toString());
        assertEquals(0, prep.code(), prep.err());
        CliRun plain = CliRun.of("data", "prepare", "--input", "../samples/seed_dolly_open_qa.jsonl", "--output", dir.resolve("plain").toString());
        assertEquals(0, plain.code(), plain.err());
        // the same records; only source_file differs (the file's place in the cache)
        String fromHub = Files.readString(dir.resolve("prep/data.jsonl"));
        assertTrue(fromHub.contains("\"source_file\":\"" + dir.resolve("hf/hub/datasets--org--seed/snapshots/" + dataCommit + "/seed_dolly_open_qa.jsonl")));
        String noSource = "\"source_file\":\"[^\"]*\"";
        assertEquals(Files.readString(dir.resolve("plain/data.jsonl")).replaceAll(noSource, ""), fromHub.replaceAll(noSource, ""));
    }

    @Test
    void aRecipeTrainsFromTheHubAndItsResolvedFilePinsTheCommits() throws IOException {
        Path recipeFile = dir.resolve("hub_tiny.yaml");
        Files.writeString(recipeFile, """
                name: hub_tiny
                seed: 7
                paths: {runs: %s}
                model: hf://karpathy/stories260K
                tokenizer: hf://karpathy/stories260K/tok512.bin
                data: hf://datasets/org/seed/seed_dolly_open_qa.jsonl
                chat_template: alpaca
                seq_len: 192
                micro_batch: 4
                steps: 2
                """.formatted(dir.resolve("runs")));
        Recipe recipe = RecipeLoader.loadTraining(recipeFile, List.of(), env, dir);
        StringWriter out = new StringWriter();
        Path run = RunCommand.run(recipe, recipeFile, List.of(), new LinkedHashSet<>(), true, new PrintWriter(out, true));
        assertTrue(Files.isRegularFile(run.resolve("train/model/model.safetensors")), out.toString());

        String resolved = Files.readString(run.resolve(RunDirectory.RESOLVED_RECIPE));
        assertTrue(resolved.contains("model: hf://karpathy/stories260K@" + modelCommit + "\n"), resolved);
        assertTrue(resolved.contains("tokenizer: hf://karpathy/stories260K@" + modelCommit + "/tok512.bin\n"), resolved);
        assertTrue(resolved.contains("data: hf://datasets/org/seed@" + dataCommit + "/seed_dolly_open_qa.jsonl\n"), resolved);
        assertFalse(resolved.contains(dir.resolve("hf").toString()), "no cache folder of this machine in the resolved recipe");

        // The resolved recipe reads the same files back, offline, asking the Hub nothing
        hub.clearRequests();
        Map<String, String> offline = new java.util.HashMap<>(env);
        offline.put("HF_HUB_OFFLINE", "1");
        Recipe again = RecipeLoader.load(run.resolve(RunDirectory.RESOLVED_RECIPE), List.of(), offline, dir);
        assertEquals(recipe, again);
        assertEquals(List.of(), hub.requests());

        // and a rerun of the original recipe finds its stage cached (same commits, same key)
        StringWriter out2 = new StringWriter();
        RunCommand.run(RecipeLoader.loadTraining(recipeFile, List.of(), env, dir), recipeFile, List.of(), new LinkedHashSet<>(), true,
                new PrintWriter(out2, true));
        assertTrue(out2.toString().contains("train: cached"), out2.toString());
        assertEquals(0, hub.downloads(), hub.requests().toString());

        // a new commit on main (one pair fewer) is a new key: the stage runs again on the new file
        List<String> lines = Files.readAllLines(Path.of("../samples/seed_dolly_open_qa.jsonl"));
        String newCommit = hub.addDataset("org/seed", Map.of("seed_dolly_open_qa.jsonl",
                (String.join("\n", lines.subList(1, lines.size())) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        StringWriter out3 = new StringWriter();
        Path run3 = RunCommand.run(RecipeLoader.loadTraining(recipeFile, List.of(), env, dir), recipeFile, List.of(), new LinkedHashSet<>(),
                true, new PrintWriter(out3, true));
        assertTrue(out3.toString().contains("train: ran"), out3.toString());
        assertTrue(Files.readString(run3.resolve(RunDirectory.RESOLVED_RECIPE)).contains("data: hf://datasets/org/seed@" + newCommit + "/"));
    }
}
