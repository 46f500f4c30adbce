package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tokenizer.json written for llama2.c's tok512.bin, run by DJL's bindings to the Rust tokenizers library (the
 * library transformers' AutoTokenizer runs too), gives the .bin encoder's ids on real text: every string in samples/
 * and the shared corpus' validation documents.
 */
class Llama2cHfExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Llama2cTokenizer bin;
    private HfTokenizer hf;

    @AfterEach
    void close() {
        if (hf != null) hf.close();
    }

    private void export() {
        bin = (Llama2cTokenizer) TextTokenizer.load(TokenizerFixtures.TOK512);
        Llama2cHfExport.write(bin, dir, true, true);
        hf = HfTokenizer.load(dir);
    }

    @Test
    void vocabularyConfigAndSpecialTokens() throws IOException {
        export();
        {
            assertEquals(512, hf.vocabSize());
            assertEquals("<unk>", hf.token(0));
            assertEquals("<s>", hf.token(1));
            assertEquals("</s>", hf.token(2));
            assertEquals("<0x0A>", hf.token(13));
            assertEquals("▁Once", hf.token(403));
            assertEquals(1, hf.bosId().orElseThrow());
            assertEquals(2, hf.eosId().orElseThrow());
            assertTrue(hf.config().addBosToken());
            assertFalse(hf.config().addEosToken());
            assertEquals("<unk>", hf.config().unkToken());
            assertEquals("PreTrainedTokenizerFast", hf.config().tokenizerClass());
            JsonNode map = JSON.readTree(dir.resolve("special_tokens_map.json").toFile());
            assertEquals("</s>", map.get("eos_token").asText());
        }
    }

    /** Merges are ranked by the merged piece's score; a piece's splits come in the order of their ids. */
    @Test
    void mergesFollowTheScores() {
        Llama2cTokenizer tok = (Llama2cTokenizer) TextTokenizer.load(TokenizerFixtures.TOK512);
        String[] pieces = Llama2cHfExport.hfPieces(tok);
        List<String[]> merges = Llama2cHfExport.merges(tok, pieces);
        List<String> vocab = Arrays.asList(pieces);
        float previous = Float.POSITIVE_INFINITY;
        for (String[] m : merges) {
            float score = tok.score(vocab.indexOf(m[0] + m[1]));
            assertTrue(score <= previous, "merge " + m[0] + " + " + m[1] + " out of score order");
            previous = score;
        }
        // The first merge makes the best-scored multi-character piece (ids from 259: after the specials and bytes).
        int best = 259;
        for (int id = 259; id < tok.vocabSize(); id++) {
            if (pieces[id].length() > 1 && tok.score(id) > tok.score(best)) best = id;
        }
        assertEquals(pieces[best], merges.get(0)[0] + merges.get(0)[1]);
    }

    @Test
    void sameIdsAsTheBinOnEdgeCases() {
        export();
        {
            List<String> texts = List.of("", " ", "  two leading", "Hello world", "trailing  ", "a\nb\n\n\tc",
                    "naïve café — “quotes” 日本語 🙂 emoji", "Once upon a time, there was a little girl named Lily.",
                    "x".repeat(300), "don't\u00a0nbsp", "12345 + 678 = 13023");
            for (String t : texts) assertAgree(t);
            // The chat path: "<s>" and "</s>" in the text are the special tokens on both sides (Llama-2's legacy
            // behaviour: the text after each gets its own dummy-prefix "▁").
            String chat = "<s>### Instruction:\nSay hi\n\n### Response:\nHi there</s><s> again";
            assertArrayEquals(bin.encodeWithSpans(chat).ids(), hf.encodeWithSpans(chat).ids());
        }
    }

    @Test
    void sameIdsAsTheBinOnTheSamples() throws IOException {
        export();
        int texts = 0;
        long tokens = 0;
        {
            try (var files = Files.list(Path.of("../samples"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                    for (String line : Files.readAllLines(f)) {
                        List<String> strings = new ArrayList<>();
                        collectStrings(JSON.readTree(line), strings);
                        for (String s : strings) {
                            tokens += assertAgree(s);
                            texts++;
                        }
                    }
                }
            }
        }
        System.out.println("tok512 tokenizer.json agrees with the .bin on " + texts + " texts of samples/ (" + tokens + " tokens)");
        assertTrue(texts > 1000, "samples/ gave only " + texts + " texts");
    }

    @Test
    void sameIdsAsTheBinOnTheCorpus() throws IOException {
        Path corpus = assumeShared("corpus/validation.jsonl.gz");
        export();
        int docs = 0;
        long tokens = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(corpus)), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                tokens += assertAgree(JSON.readTree(line).get("text").asText());
                docs++;
            }
        }
        System.out.println("tok512 tokenizer.json agrees with the .bin on " + docs + " corpus documents (" + tokens + " tokens)");
        assertEquals(152, docs);
    }

    /**
     * Ids with and without BOS, and the chat path's; returns the number of tokens compared. A text that writes a
     * special token is compared on the chat path only, where both sides treat "&lt;s&gt;" and "&lt;/s&gt;" as specials.
     */
    private int assertAgree(String text) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        int[] expected = bin.encodeWithSpans(text).ids();
        assertArrayEquals(expected, hf.encodeWithSpans(text).ids(), shown);
        if (!text.contains("<s>") && !text.contains("</s>") && !text.contains("<unk>")) {
            assertArrayEquals(bin.encode(text, false, false), hf.encode(text, false), shown);
            assertArrayEquals(bin.encode(text, true, false), hf.encode(text, true), shown);
        }
        return expected.length;
    }

    private static void collectStrings(JsonNode node, List<String> out) {
        if (node.isTextual()) out.add(node.asText());
        for (JsonNode child : node) collectStrings(child, out);
    }
}
