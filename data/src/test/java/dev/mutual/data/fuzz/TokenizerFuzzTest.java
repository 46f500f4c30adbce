package dev.mutual.data.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.tokenizer.HfTokenizer;
import dev.mutual.data.tokenizer.Llama2cTokenizer;
import dev.mutual.data.tokenizer.TokenizerConfig;
import dev.mutual.testing.fuzz.Fuzzer;
import dev.mutual.testing.fuzz.Seed;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the tokenizer files a model folder brings (see {@link Fuzzer}): llama2.c's tokenizer .bin, tokenizer_config.json
 * and tokenizer.json. Each loaded tokenizer also encodes and decodes a text, since a damaged vocabulary may load and
 * then fail there.
 */
class TokenizerFuzzTest {
    private static final Path TOKENIZERS = Path.of("src/test/resources/tokenizers");
    private static final String TEXT = "Once upon a time, Lily saw a big cat.\nÜber 日本 🙂 <s> \t end";

    @Test
    void llama2cTokenizerFailsCleanOnMutatedFiles() {
        Fuzzer.Report report = Fuzzer.run("llama2c-tokenizer", List.of(Seed.of(DataSeeds.SAMPLES.resolve("tok512.bin"), Seed.Kind.BINARY)), 3000,
                (c, dir) -> {
                    Llama2cTokenizer t = Llama2cTokenizer.load(c.write(dir));
                    t.decode(t.encode(TEXT, true), false);
                });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    @Test
    void tokenizerConfigFailsCleanOnMutatedFiles() {
        List<Seed> seeds = List.of(Seed.of(TOKENIZERS.resolve("mistral/tokenizer_config.json"), Seed.Kind.JSON),
                Seed.of(TOKENIZERS.resolve("qwen3/tokenizer_config.json"), Seed.Kind.JSON));
        Fuzzer.Report report = Fuzzer.run("tokenizer-config", seeds, 1500, (c, dir) -> {
            c.write(dir, c.random().nextInt(5) == 0 ? "special_tokens_map.json" : "tokenizer_config.json");
            TokenizerConfig config = TokenizerConfig.load(dir);
            config.chatTemplate();
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /**
     * Through the Rust tokenizers library too: a small BPE tokenizer.json cut from Mistral's (its first 600 tokens).
     * Fewer cases: each load costs ~25 ms in the native library.
     */
    @Test
    void hfTokenizerFailsCleanOnMutatedFiles() throws IOException {
        Fuzzer.Report report = Fuzzer.run("hf-tokenizer", List.of(smallMistral()), 600, (c, dir) -> {
            try (HfTokenizer t = HfTokenizer.load(c.write(dir, "tokenizer.json"))) {
                t.decode(t.encode(TEXT, true), false);
            }
        });
        assertTrue(report.clean() > 0 && report.ok() > 0, report.summary());
    }

    /** Mistral's tokenizer.json with the vocabulary cut to ids below 600 and the merges among them. */
    static Seed smallMistral() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode full;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(TOKENIZERS.resolve("mistral/tokenizer.json.gz")))) {
            full = json.readTree(in);
        }
        ObjectNode model = (ObjectNode) full.get("model");
        ObjectNode vocab = json.createObjectNode();
        for (Map.Entry<String, JsonNode> e : model.get("vocab").properties()) {
            if (e.getValue().asInt() < 600) vocab.set(e.getKey(), e.getValue());
        }
        ArrayNode merges = json.createArrayNode();
        for (JsonNode m : model.get("merges")) {
            String[] parts = m.asText().split(" ");
            if (parts.length == 2 && vocab.has(parts[0]) && vocab.has(parts[1]) && vocab.has(parts[0] + parts[1])) merges.add(m);
        }
        model.set("vocab", vocab);
        model.set("merges", merges);
        return new Seed("tokenizer.json", Seed.Kind.JSON, json.writeValueAsBytes(full));
    }
}
