package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama2.c's tokenizer on the real tok512.bin (samples/, a copy of shared/data/models/stories260K's), against the
 * independent Python re-implementation of run.c encode() in tools/llama2c_reference.py and against the ids llama2.c
 * generated.
 */
class Llama2cTokenizerTest {
    static Llama2cTokenizer tok;

    @BeforeAll
    static void load() {
        tok = (Llama2cTokenizer) TextTokenizer.load(TokenizerFixtures.TOK512);
    }

    @Test
    void readsTheFile() {
        assertEquals(512, tok.vocabSize());
        assertEquals(7, tok.maxTokenLength());
        assertEquals("\n<s>\n", tok.token(1));
        assertEquals("<0x0A>", tok.token(13));
        assertEquals(" Once", tok.token(403));
        assertEquals(-144.0f, tok.score(403));
        assertEquals("<s>", tok.bosToken().orElseThrow());
    }

    @Test
    void idsEqualThePythonReferenceEncoder() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(TokenizerFixtures.DIR.resolve("llama2c_reference.json").toFile());
        int checked = 0;
        for (JsonNode c : ref.get("cases")) {
            String text = c.get("text").asText();
            int[] expected = HfTokenizerTest.ints(c.get("ids_with_bos"));
            assertArrayEquals(expected, tok.encode(text, true, false), text);
            assertArrayEquals(expected, tok.encodeReference(text, true, false), text);
            assertEquals(text, tok.decode(expected), text);
            checked++;
        }
        assertEquals(11, checked);
    }

    @Test
    void helloWorldByHandFromTheVocabulary() {
        // Dummy prefix " " then H e l l o " " w o r l d. Pieces that exist and their scores: " w" -4, "or" -45,
        // "ll" -47, " H" -61, "ld" -82, " He" -87 (none of "lo", "llo", " wo", "orld", " Hello" is in tok512.bin),
        // merged best-first: " He"(346) "ll"(306) "o"(414) " w"(263) "or"(304) "ld"(341).
        assertArrayEquals(new int[] {1, 346, 306, 414, 263, 304, 341}, tok.encode("Hello world"));
        assertEquals(" He", tok.token(346));
        assertEquals(" w", tok.token(263));
        assertArrayEquals(new int[] {1, 346, 306, 414, 263, 304, 341, 2}, tok.encode("Hello world", true, true));
        assertArrayEquals(new int[0], tok.encode("", false, false)); // no dummy prefix for empty text
    }

    /** SOURCE.md lists the first 40 ids llama2.c run.c generated greedily; they must decode to its text. */
    @Test
    void theGeneratedStoryDecodesAndReencodesToTheSameIds() throws IOException {
        String source = Files.readString(assumeShared("models/stories260K/SOURCE.md"));
        Matcher idsLine = Pattern.compile("First 40 generated token ids \\(after BOS\\):\\s*`([0-9 ]+)`").matcher(source);
        assertTrue(idsLine.find());
        int[] generated = Arrays.stream(idsLine.group(1).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        assertEquals(40, generated.length);
        int[] withBos = new int[41];
        withBos[0] = Llama2cTokenizer.BOS;
        System.arraycopy(generated, 0, withBos, 1, 40);

        String text = tok.decode(withBos);
        // run.c strips the leading space of " Once" (id 403) because it follows BOS.
        assertEquals("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                + "One day, she saw a big, r", text);
        assertTrue(source.contains("    " + text), "the documented story starts with the decoded ids");
        // Here BPE happens to re-find exactly the generated tokenization (the Python reference agrees); in
        // general a model may generate a tokenization that encode() would not produce.
        assertArrayEquals(withBos, tok.encode(text));
    }

    @Test
    void decodeFollowsRunC() {
        assertEquals("Once", tok.decode(new int[] {1, 403}));       // leading space dropped after BOS
        assertEquals(" Once", tok.decode(new int[] {403}));         // kept otherwise
        assertEquals("😀", tok.decode(new int[] {243, 162, 155, 131})); // byte pieces <0xF0><0x9F><0x98><0x80>
        assertEquals("\t\n", tok.decode(new int[] {12, 13}));
        assertEquals("<s>Once</s>", tok.decode(new int[] {1, 403, 2}, false));
        assertEquals("Once", tok.decode(new int[] {1, 403, 2}, true));
    }

    /** The priority-queue encoder against run.c's quadratic loop on 100 real web documents (C4 demo). */
    @Test
    void fastEncoderEqualsTheRunCLoopOnRealText() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        int docs = 0;
        long tokens = 0;
        try (BufferedReader in = Files.newBufferedReader(assumeShared("unlabelled/c4_demo/c4_demo.jsonl"))) {
            for (String line = in.readLine(); line != null && docs < 100; line = in.readLine()) {
                String text = mapper.readTree(line).get("text").asText();
                text = text.substring(0, Math.min(text.length(), docs == 0 ? 3000 : 400));
                int[] fast = tok.encode(text, true, false);
                assertArrayEquals(tok.encodeReference(text, true, false), fast, "document " + docs);
                assertEquals(text, tok.decode(fast), "document " + docs);
                tokens += fast.length;
                docs++;
            }
        }
        assertEquals(100, docs);
        assertTrue(tokens > 10_000, "compared " + tokens + " tokens");
    }

    @Test
    void chatTextSplitsAtSpecialTokensWithSpans() {
        String text = "<s>Hi</s> there";
        TokenSpans spans = tok.encodeWithSpans(text);
        int[] hi = tok.encode("Hi", false, false);
        int[] there = tok.encode(" there", false, false);
        int[] expected = new int[hi.length + there.length + 2];
        expected[0] = 1;
        System.arraycopy(hi, 0, expected, 1, hi.length);
        expected[hi.length + 1] = 2;
        System.arraycopy(there, 0, expected, hi.length + 2, there.length);
        assertArrayEquals(expected, spans.ids()); // each stretch encoded alone, with its dummy prefix
        assertEquals("</s>", text.substring(spans.start()[hi.length + 1], spans.end()[hi.length + 1]));
        assertEquals("i", text.substring(spans.start()[hi.length], spans.end()[hi.length]));
    }

    @Test
    void corruptFilesAreReportedWithTheTokenAndOffset(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(TokenizerFixtures.TOK512);
        Path truncated = dir.resolve("truncated.bin");
        Files.write(truncated, Arrays.copyOf(bytes, 3000));
        UserInputException e = assertThrows(UserInputException.class, () -> TextTokenizer.load(truncated));
        assertTrue(e.getMessage().startsWith(truncated + ": token "), e.getMessage());

        Path wrongHeader = dir.resolve("wrong.bin");
        Files.write(wrongHeader, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0, 0, 0, 0});
        e = assertThrows(UserInputException.class, () -> TextTokenizer.load(wrongHeader));
        assertTrue(e.getMessage().contains("max_token_length is 2147483647"), e.getMessage());

        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, new byte[] {1});
        assertThrows(UserInputException.class, () -> TextTokenizer.load(tiny));
        assertInstanceOf(Llama2cTokenizer.class, TextTokenizer.load(TokenizerFixtures.TOK512));
    }
}
