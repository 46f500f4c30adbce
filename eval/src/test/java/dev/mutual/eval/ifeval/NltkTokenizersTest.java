package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Punkt and Treebank ports against NLTK 3.10.3 itself, run with the same Punkt parameters on IFEval's 541 GPT-4
 * responses and on hand-made corner cases ({@code nltk_fixture.jsonl}, written by {@code make_nltk_fixture.py}
 * beside it). Sentence spans must be identical; word tokenization must give the same token count and the same
 * all-caps tokens (what {@code change_case:capital_word_frequency} counts).
 */
class NltkTokenizersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void punktAndTreebankMatchNltkOnEveryFixtureText() throws IOException {
        List<String> responses = new ArrayList<>();
        for (String line : Files.readAllLines(assumeShared("ifeval/reference_outputs/input_response_data_gpt4_20231107_145030.jsonl"), StandardCharsets.UTF_8)) {
            responses.add(JSON.readTree(line).get("response").asText());
        }
        List<String> fixture;
        try (InputStream in = getClass().getResourceAsStream("nltk_fixture.jsonl")) {
            fixture = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        JsonNode header = JSON.readTree(fixture.get(0));
        assertEquals(PunktSentenceTokenizer.COMMON_ENGLISH_ABBREVIATIONS, strings(header.get("abbreviations")),
                "fixture made with the current abbreviations (rerun make_nltk_fixture.py)");
        assertEquals(PunktSentenceTokenizer.COMMON_SENTENCE_STARTERS, strings(header.get("sentence_starters")),
                "fixture made with the current sentence starters (rerun make_nltk_fixture.py)");

        int texts = 0, sentences = 0, upper = 0;
        for (String line : fixture.subList(1, fixture.size())) {
            JsonNode row = JSON.readTree(line);
            String text = row.has("text") ? row.get("text").asText() : responses.get(row.get("response_line").asInt() - 1);
            String where = row.has("text") ? "text " + row.get("text") : "response line " + row.get("response_line");

            List<String> expectedSentences = new ArrayList<>();
            for (JsonNode span : row.get("sentence_spans")) {
                // Python's offsets count code points, Java's count UTF-16 units (emoji differ).
                expectedSentences.add(text.substring(text.offsetByCodePoints(0, span.get(0).asInt()),
                        text.offsetByCodePoints(0, span.get(1).asInt())));
            }
            assertEquals(expectedSentences, PunktSentenceTokenizer.ENGLISH.tokenize(text), where);

            List<String> tokens = TreebankWordTokenizer.wordTokenize(text);
            List<String> upperTokens = tokens.stream().filter(PythonText::isUpper).toList();
            List<String> expectedUpper = new ArrayList<>();
            row.get("upper_tokens").forEach(t -> expectedUpper.add(t.asText()));
            assertEquals(expectedUpper, upperTokens, where);
            assertEquals(row.get("word_tokens").asInt(), tokens.size(), where);
            texts++;
            sentences += expectedSentences.size();
            upper += expectedUpper.size();
        }
        assertEquals(551, texts);
        assertTrue(sentences > 5000 && upper > 1000, "the fixture exercises both tokenizers: " + sentences + " sentences, " + upper + " all-caps tokens");
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
