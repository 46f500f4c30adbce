package dev.mutual.eval.reasoning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.eval.text.PythonReFixture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The reasoning evaluators' extractions and normalisations read text as Python's re does: python_re_edge_cases.jsonl
 * is what Python itself printed (tools/make_python_re_fixture.py) on line terminators, Unicode whitespace, word
 * boundaries next to combining marks and case folding. The character classes themselves are checked by
 * {@code text.PythonRegexTest}.
 */
class ReasoningRegexParityTest {
    private static List<JsonNode> fixture(String kind) {
        return PythonReFixture.cases(kind);
    }

    @Test
    void theIssuesEdgeCases() {
        AnswerExtraction strict = AnswerExtraction.gsm8kStrict();
        assertEquals("140", strict.extract("The answer is 140\r\n"), "Java's '.' refused \\r and gave 14");
        assertEquals("5", strict.extract("The answer is 5\r"), "Java's '.' found nothing");
        assertEquals("yes", AnswerExtraction.yesNoStrict().extract("So the answer is\u00a0yes."), "NBSP is whitespace to Python");
        assertEquals("no", AnswerExtraction.yesNoStrict().extract("So the answer is\u3000no."));
        assertEquals("yes", AnswerExtraction.yesNoFlexible().extract("So the answer is yes\u0301."), "a combining accent ends the word");
    }

    @Test
    void extractionsAndMatchesAgreeWithPython() {
        List<JsonNode> cases = fixture("extraction");
        for (JsonNode j : cases) {
            ReasoningTask task = j.get("task").asText().equals("gsm8k") ? ReasoningTask.gsm8k(0) : ReasoningTask.strategyQa(0);
            String response = j.get("response").asText(), target = j.get("target").asText();
            String strict = task.extractions().get(0).extract(response), flexible = task.extractions().get(1).extract(response);
            String what = j.toString();
            assertEquals(j.get("strict").asText(), strict, what);
            assertEquals(j.get("flexible").asText(), flexible, what);
            assertEquals(j.get("strict_match").asDouble(), task.normalizer().exactMatch(strict, target), what);
            assertEquals(j.get("flexible_match").asDouble(), task.normalizer().exactMatch(flexible, target), what);
        }
        assertEquals(35, cases.size());
    }

    @Test
    void normalisationAgreesWithPython() {
        for (JsonNode j : fixture("normalize")) {
            String text = j.get("text").asText();
            assertEquals(j.get("numbers").asText(), AnswerNormalizer.numbers().normalize(text), j.toString());
            assertEquals(j.get("lower").asText(), AnswerNormalizer.caseOnly().normalize(text), j.toString());
        }
    }
}
