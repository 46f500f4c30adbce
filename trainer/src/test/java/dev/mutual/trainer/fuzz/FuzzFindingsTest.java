package dev.mutual.trainer.fuzz;

import dev.mutual.data.UserInputException;
import dev.mutual.trainer.checkpoint.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the model-file fuzzers found, kept as plain regression tests on the smallest input that shows it. */
class FuzzFindingsTest {
    private static final Path SHARDED = Path.of("src/test/resources/safetensors/sharded");

    @TempDir
    Path dir;

    /**
     * A shard name the file system cannot hold (a lone surrogate: InvalidPathException; 1M characters: "File name too
     * long" as an UncheckedIOException) escaped as another exception.
     */
    @Test
    void unusableShardNamesInTheIndexAreErrors() throws IOException {
        String index = Files.readString(SHARDED.resolve(Safetensors.INDEX_FILE));
        for (String shard : new String[] {"\\udc00x", "x".repeat(1_000_000), "missing.safetensors"}) {
            Files.writeString(dir.resolve(Safetensors.INDEX_FILE), index.replace("model-00001-of-00002.safetensors", shard));
            UserInputException e = assertThrows(UserInputException.class, () -> Safetensors.readModel(dir));
            assertTrue(e.getMessage().contains(Safetensors.INDEX_FILE + ": weight_map['"), e.getMessage());
        }
    }
}
