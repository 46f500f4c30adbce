package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The real tokenizers the tests share, loaded once per test JVM (each HF load parses a 9-11 MB tokenizer.json).
 * Never closed: the JVM exit frees DJL's native memory.
 */
public final class TokenizerFixtures {
    public static final Path DIR = Path.of("src/test/resources/tokenizers");
    /** llama2.c's tok512.bin as the repository ships it (samples/SOURCE.md: the stories260K tokenizer, byte for byte). */
    public static final Path TOK512 = Path.of("../samples/tok512.bin");

    private TokenizerFixtures() {
    }

    public static HfTokenizer qwen3() {
        return Qwen3.TOKENIZER;
    }

    public static HfTokenizer llama3() {
        return Llama3.TOKENIZER;
    }

    public static HfTokenizer mistral() {
        return Mistral.TOKENIZER;
    }

    /** resources/tokenizers/hf_reference.json, written by tools/hf_chat_reference.py. */
    public static JsonNode hfReference() {
        return Reference.JSON;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    // Holder classes: each is initialised (and its file loaded) on first use only.
    private static final class Qwen3 {
        static final HfTokenizer TOKENIZER = HfTokenizer.load(DIR.resolve("qwen3"));
    }

    private static final class Llama3 {
        static final HfTokenizer TOKENIZER = HfTokenizer.load(DIR.resolve("llama3"));
    }

    private static final class Mistral {
        static final HfTokenizer TOKENIZER = HfTokenizer.load(DIR.resolve("mistral"));
    }

    private static final class Reference {
        static final JsonNode JSON = read();

        private static JsonNode read() {
            try {
                return new ObjectMapper().readTree(DIR.resolve("hf_reference.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
