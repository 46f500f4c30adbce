package dev.mutual.data.tokenizer;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerConfigTest {
    static final Path FIXTURES = TokenizerFixtures.DIR;

    @Test
    void readsTheThreeRealConfigs() {
        TokenizerConfig mistral = TokenizerConfig.load(FIXTURES.resolve("mistral"));
        assertEquals("<s>", mistral.bosToken());
        assertEquals("</s>", mistral.eosToken());
        assertEquals("<unk>", mistral.unkToken());
        assertNull(mistral.padToken()); // "pad_token": null
        assertTrue(mistral.addBosToken());
        assertFalse(mistral.addEosToken());
        assertEquals(Long.MAX_VALUE, mistral.modelMaxLength()); // 1000000000000000019884624838656
        assertEquals("LlamaTokenizer", mistral.tokenizerClass());

        TokenizerConfig qwen3 = TokenizerConfig.load(FIXTURES.resolve("qwen3"));
        assertNull(qwen3.bosToken());
        assertEquals("<|im_end|>", qwen3.eosToken());
        assertEquals("<|endoftext|>", qwen3.padToken());
        assertEquals(131_072, qwen3.modelMaxLength());
        assertEquals("<|im_start|>", qwen3.additionalSpecialTokens().get(0));
        assertEquals(4_116, qwen3.chatTemplate().orElseThrow().length());

        TokenizerConfig llama3 = TokenizerConfig.load(FIXTURES.resolve("llama3"));
        assertEquals("<|begin_of_text|>", llama3.bosToken());
        assertEquals("<|end_of_text|>", llama3.eosToken());
        assertEquals(348, llama3.chatTemplate().orElseThrow().length());
    }

    @Test
    void acceptsAddedTokenObjectsNamedTemplatesAndSpecialTokensMap(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "chat_template": [{"name": "default", "template": "{{ messages }}"},
                                   {"name": "tool_use", "template": "{{ tools }}"}],
                 "model_max_length": 4096}
                """);
        Files.writeString(dir.resolve("special_tokens_map.json"), """
                {"eos_token": {"content": "</s>"}, "pad_token": "<pad>", "bos_token": "<ignored>"}
                """);
        TokenizerConfig config = TokenizerConfig.load(dir);
        assertEquals("<s>", config.bosToken()); // tokenizer_config.json wins over special_tokens_map.json
        assertEquals("</s>", config.eosToken());
        assertEquals("<pad>", config.padToken());
        assertEquals(Map.of("default", "{{ messages }}", "tool_use", "{{ tools }}"), config.chatTemplates());
        assertEquals("{{ messages }}", config.chatTemplate().orElseThrow());
        assertEquals(4096, config.modelMaxLength());
        assertEquals(List.of(), config.additionalSpecialTokens());
    }

    @Test
    void aFolderWithoutConfigGivesEmpty(@TempDir Path dir) {
        assertEquals(TokenizerConfig.EMPTY, TokenizerConfig.load(dir));
    }

    @Test
    void badFilesNameFileLineAndKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer_config.json");
        Files.writeString(file, "{\n \"bos_token\": \"<s>\",\n \"eos_token\": \n}");
        UserInputException syntax = assertThrows(UserInputException.class, () -> TokenizerConfig.load(dir));
        assertTrue(syntax.getMessage().startsWith(file + " line 4: not valid JSON"), syntax.getMessage());

        Files.writeString(file, "{\"eos_token\": 7}");
        UserInputException eos = assertThrows(UserInputException.class, () -> TokenizerConfig.load(dir));
        assertEquals(file + " key \"eos_token\": expected a string or an object with \"content\", found 7",
                eos.getMessage());

        Files.writeString(file, "{\"add_bos_token\": \"yes\"}");
        UserInputException bool = assertThrows(UserInputException.class, () -> TokenizerConfig.load(dir));
        assertTrue(bool.getMessage().contains("\"add_bos_token\": expected true or false, found \"yes\""));

        Files.writeString(file, "[1, 2]");
        assertThrows(UserInputException.class, () -> TokenizerConfig.load(dir));
    }
}
