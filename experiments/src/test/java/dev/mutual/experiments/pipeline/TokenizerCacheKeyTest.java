package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.recipe.Recipe;
import dev.mutual.experiments.recipe.RecipeLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tokenizer folder holding tokenizer.json.gz counts in the cache key of the stages that tokenize with it
 * (prepare_data counting tokens, train): change the .gz and the key changes, so the stage runs again.
 */
class TokenizerCacheKeyTest {
    @TempDir
    Path tmp;

    @Test
    void theGzFileIsPartOfTheCacheKey() throws IOException {
        Path tok = Files.createDirectories(tmp.resolve("tok"));
        Path fixture = Path.of("../data/src/test/resources/tokenizers/mistral");
        Files.copy(fixture.resolve("tokenizer.json.gz"), tok.resolve("tokenizer.json.gz"));
        Files.copy(fixture.resolve("tokenizer_config.json"), tok.resolve("tokenizer_config.json"));
        Files.copy(Path.of("../samples/seed_dolly_open_qa.jsonl"), tmp.resolve("seed.jsonl"));
        Path file = Files.writeString(tmp.resolve("r.yaml"), """
                name: r
                stages:
                  prep:
                    type: prepare_data
                    sources: [{path: seed.jsonl, format: dolly}]
                    tokenizer: tok
                    max_tokens: 200
                  sft:
                    type: train
                    data_stage: prep
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: tok
                    steps: 1
                """);
        Recipe recipe = RecipeLoader.load(file, List.of(), Map.of(), tmp);
        Pipeline pipeline = Stages.pipeline(recipe);
        Map<String, String> before = keys(pipeline);
        for (PipelineStage ps : pipeline.stages()) {
            assertTrue(ps.stage().inputFiles().stream().anyMatch(p -> p.endsWith("tok/tokenizer.json.gz")),
                    ps.name() + " inputs " + ps.stage().inputFiles());
        }
        Files.write(tok.resolve("tokenizer.json.gz"), new byte[] {0x1f, (byte) 0x8b}, java.nio.file.StandardOpenOption.APPEND);
        Map<String, String> after = keys(pipeline);
        assertNotEquals(before.get("prep"), after.get("prep"));
        assertNotEquals(before.get("sft"), after.get("sft"));
        assertEquals(keys(pipeline), after, "the key depends on the content only");
    }

    /** Each stage's cache key, the upstream stage taken as finished with fixed outputs. */
    private static Map<String, String> keys(Pipeline pipeline) throws IOException {
        Map<String, String> keys = new HashMap<>();
        Map<String, Manifest> finished = new HashMap<>();
        for (PipelineStage ps : pipeline.stages()) {
            Map<String, Manifest> up = new HashMap<>();
            for (String u : ps.upstream()) up.put(u, finished.get(u));
            keys.put(ps.name(), pipeline.cacheKey(ps, up));
            finished.put(ps.name(), new Manifest(ps.name(), ps.type(), "k", Map.of("data.jsonl", "h"), Map.of(), 0, "t"));
        }
        return keys;
    }
}
