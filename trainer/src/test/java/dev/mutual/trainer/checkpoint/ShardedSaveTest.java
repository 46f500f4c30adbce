package dev.mutual.trainer.checkpoint;

import dev.mutual.trainer.model.Tensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.trainer.model.DecoderWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sharded saving: transformers' layout (its own index as the fixture), a lossless round trip, stale files removed. */
class ShardedSaveTest {
    static final Path PARITY = Path.of("src/test/resources/parity");

    @TempDir
    Path dir;

    @Test
    void storiesAt100KbMatchesTheIndexTransformersWrites() throws IOException {
        // fixture: save_pretrained(max_shard_size="100KB") of the same weights (tools/check_sharded_save.py), which
        // puts the 128 KB embedding in a shard of its own and fills the others up to 100 KB in state_dict order
        HfCheckpoint.save(dir, Llama2cCheckpoint.read(assumeShared("models/stories260K/stories260K.bin")), List.of(), Safetensors.parseSize("100KB"));
        assertEquals(Files.readString(Path.of("src/test/resources/safetensors/stories260K-100KB.index.json")),
                Files.readString(dir.resolve(Safetensors.INDEX_FILE)));
        assertFalse(Files.exists(dir.resolve(Safetensors.SINGLE_FILE)));
    }

    @Test
    void shardedQwen2ReadsBackIdenticalAndResavingRemovesStaleFiles() throws IOException {
        // qwen2: q/k/v biases and a tied head (no lm_head.weight in the files)
        DecoderWeights w = HfCheckpoint.load(PARITY.resolve("qwen2")).weights();
        long max = 4000;
        HfCheckpoint.save(dir, w, List.of(), max);
        JsonNode index = new ObjectMapper().readTree(dir.resolve(Safetensors.INDEX_FILE).toFile());
        Map<String, Tensor> want = w.toHfTensors(), back = Safetensors.readModel(dir);
        assertEquals(want.keySet(), back.keySet());
        long bytes = 0;
        for (String name : want.keySet()) {
            assertArrayEquals(want.get(name).values(), back.get(name).values(), 0f, name);
            assertArrayEquals(want.get(name).shape(), back.get(name).shape(), name);
            bytes += 4 * want.get(name).size();
        }
        assertEquals(bytes, index.get("metadata").get("total_size").asLong());
        assertEquals(w.parameterCount(), index.get("metadata").get("total_parameters").asLong());
        int shards = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).toList()) {
                shards++;
                var entries = Safetensors.readHeader(f).entries();
                long size = entries.stream().mapToLong(e -> e.end() - e.begin()).sum();
                assertTrue(size <= max || entries.size() == 1, f + " holds " + size + " bytes in " + entries.size() + " tensors");
                assertEquals(Map.of("format", "pt"), Safetensors.readHeader(f).metadata());
            }
        }
        assertTrue(shards > 3, "shards: " + shards);
        assertEquals(String.format("model-00001-of-%05d.safetensors", shards), index.get("weight_map").get("model.embed_tokens.weight").asText());

        // the same directory saved whole: the index and shards go, so nothing can load the stale layout
        HfCheckpoint.save(dir, w, List.of());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("config.json", "generation_config.json", "model.safetensors"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        // and sharded again: model.safetensors goes (transformers would prefer it over the index)
        HfCheckpoint.save(dir, w, List.of(), max);
        assertFalse(Files.exists(dir.resolve(Safetensors.SINGLE_FILE)));
        assertArrayEquals(w.layers().get(1).kBias(), HfCheckpoint.load(dir).weights().layers().get(1).kBias(), 0f);
    }

    @Test
    void shardSizesParseAsHuggingfaceHubDoes() {
        assertEquals(5_000_000_000L, Safetensors.parseSize("5GB"));
        assertEquals(1_500_000_000L, Safetensors.parseSize("1.5GB"));
        assertEquals(100_000L, Safetensors.parseSize(" 100kb "));
        assertEquals(2_000_000_000_000L, Safetensors.parseSize("2TB"));
        assertEquals(123L, Safetensors.parseSize("123"));
        for (String bad : List.of("5GiB", "GB", "-1GB", "0", "", "5 G", "lots")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.parseSize(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
