package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which files make a tokenizer, and what a model folder gets: always a plain tokenizer.json. */
class TokenizerFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path copyFixture(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        for (String f : List.of("tokenizer.json.gz", "tokenizer_config.json")) {
            Files.copy(TokenizerFixtures.DIR.resolve(name).resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void everyFileThatDecidesTheTokenizerIsListed() throws IOException {
        Path mistral = copyFixture("mistral");
        assertEquals(List.of(mistral.resolve("tokenizer.json.gz"), mistral.resolve("tokenizer_config.json")),
                TokenizerFiles.of(mistral));
        assertEquals(List.of(mistral.resolve("tokenizer.json.gz"), mistral.resolve("tokenizer_config.json")),
                TokenizerFiles.of(mistral.resolve("tokenizer.json.gz")));
        // a plain tokenizer.json shadows the .gz (HfTokenizer.load reads the plain one), so the .gz decides nothing
        Files.writeString(mistral.resolve("tokenizer.json"), "{}");
        assertEquals(List.of(mistral.resolve("tokenizer.json"), mistral.resolve("tokenizer_config.json")),
                TokenizerFiles.of(mistral));
        assertEquals(List.of(TokenizerFixtures.TOK512), TokenizerFiles.of(TokenizerFixtures.TOK512));
    }

    @Test
    void aGzFolderIsSavedAsPlainTokenizerJson() throws IOException {
        Path mistral = copyFixture("mistral");
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        TokenizerFiles.save(TokenizerFiles.of(mistral), model);
        byte[] plain;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(mistral.resolve("tokenizer.json.gz")))) {
            plain = in.readAllBytes();
        }
        assertArrayEquals(plain, Files.readAllBytes(model.resolve("tokenizer.json")));
        assertFalse(Files.exists(model.resolve("tokenizer.json.gz")));
        // Mistral's LlamaTokenizer class becomes PreTrainedTokenizerFast; every other key stays as it was
        JsonNode original = JSON.readTree(mistral.resolve("tokenizer_config.json").toFile());
        JsonNode saved = JSON.readTree(model.resolve("tokenizer_config.json").toFile());
        assertEquals("LlamaTokenizer", original.get("tokenizer_class").asText());
        assertEquals("PreTrainedTokenizerFast", saved.get("tokenizer_class").asText());
        ((com.fasterxml.jackson.databind.node.ObjectNode) original).put("tokenizer_class", "PreTrainedTokenizerFast");
        assertEquals(original, saved);
        try (HfTokenizer a = HfTokenizer.load(mistral); HfTokenizer b = HfTokenizer.load(model)) {
            assertArrayEquals(a.encode("  Hello world\n\tx"), b.encode("  Hello world\n\tx"));
            assertEquals(a.config().bosToken(), b.config().bosToken());
            assertEquals(a.config().eosToken(), b.config().eosToken());
            assertEquals(a.config().addBosToken(), b.config().addBosToken());
            assertEquals(a.config().modelMaxLength(), b.config().modelMaxLength());
        }
    }

    @Test
    void otherConfigsAreCopiedByteForByte() throws IOException {
        Path qwen = copyFixture("qwen3");
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        TokenizerFiles.save(TokenizerFiles.of(qwen), model);
        assertArrayEquals(Files.readAllBytes(qwen.resolve("tokenizer_config.json")),
                Files.readAllBytes(model.resolve("tokenizer_config.json")));
        assertTrue(Files.isRegularFile(model.resolve("tokenizer.json")));
    }

    @Test
    void aLlama2cTokenizerIsSavedWithItsTokenizerJson() {
        Path model = tmp.resolve("model");
        TokenizerFiles.save(List.of(TokenizerFixtures.TOK512), createDirectories(model));
        for (String f : List.of("tok512.bin", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        UserInputException missing = assertThrows(UserInputException.class,
                () -> TokenizerFiles.save(List.of(tmp.resolve("gone.bin")), model));
        assertTrue(missing.getMessage().contains("gone.bin: tokenizer file not found"), missing.getMessage());
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
