package dev.mutual.eval.reasoning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Expected values worked by hand from the harness's regexes (gsm8k-cot.yaml) and Python re semantics. */
class AnswerExtractionTest {
    private final AnswerExtraction strict = AnswerExtraction.gsm8kStrict();
    private final AnswerExtraction flexible = AnswerExtraction.gsm8kFlexible();
    private final AnswerNormalizer numbers = AnswerNormalizer.numbers();

    @Test
    void strictTakesTheFirstAnswerIsPhrase() {
        assertEquals("1,200", strict.extract("So 1,000 + 200 = 1,200. The answer is 1,200.\n\nThe answer is 5."));
        assertEquals(1.0, numbers.exactMatch(strict.extract("The answer is 1,200."), "1200"));
        assertEquals("-3", strict.extract("The answer is -3.\n"));
    }

    @Test
    void strictNeedsADigitRightAfterThePhrase() {
        // "$" is not in the harness's character class: strict fails where flexible recovers
        assertEquals(AnswerExtraction.INVALID, strict.extract("The answer is $18."));
        assertEquals("$18.", flexible.extract("The answer is $18."));
        assertEquals(1.0, numbers.exactMatch(flexible.extract("The answer is $18."), "18"));
        assertEquals(AnswerExtraction.INVALID, strict.extract("the answer is 18."), "case-sensitive, as in the harness");
    }

    @Test
    void strictKeepsTheHarnessQuirkAtTheEndOfText() {
        // the pattern's final "." is any character, so a response that stops right after the number loses a digit
        assertEquals("1", strict.extract("The answer is 18"));
        assertEquals("18", strict.extract("The answer is 18!"));
    }

    @Test
    void flexibleTakesTheLastNumberLikeRun() {
        assertEquals("8", flexible.extract("She has 3 apples and 5, pears, so 8 in total"));
        assertEquals("1,234.5", flexible.extract("The total is 1,234.5 dollars"));
        assertEquals("-7.", flexible.extract("Answer: -7."));
        assertEquals(1.0, numbers.exactMatch("-7.", "-7"));
        assertEquals(AnswerExtraction.INVALID, flexible.extract("I cannot tell."));
    }

    @Test
    void normalisationDropsCommasDollarsHashesAndOneTrailingDotOnly() {
        assertEquals("1200", numbers.normalize("$1,200."));
        assertEquals("18", numbers.normalize("Janet sells 9 eggs.\n#### 18"));
        assertEquals("18.00", numbers.normalize("18.00"));
        assertEquals(0.0, numbers.exactMatch("18.00", "18"), "no numeric parsing, as in the harness");
        assertEquals("5.", numbers.normalize("5.."), "only one trailing dot");
    }

    @Test
    void yesNoExtractions() {
        AnswerExtraction s = AnswerExtraction.yesNoStrict();
        AnswerExtraction f = AnswerExtraction.yesNoFlexible();
        AnswerNormalizer c = AnswerNormalizer.caseOnly();
        assertEquals("Yes", s.extract("Frost happens in December. So the answer is Yes."));
        assertEquals(1.0, c.exactMatch(s.extract("So the answer is Yes."), "yes"));
        assertEquals("no", s.extract("The answer is: no"));
        assertEquals("yes", s.extract("The answer is not obvious, but the answer is yes."), "'not' is not 'no'");
        assertEquals(AnswerExtraction.INVALID, s.extract("Yes."));
        assertEquals("yes", f.extract("No doubt about it: yes."));
        assertEquals("no", f.extract("Yes, pears float... wait, no."));
        assertEquals(AnswerExtraction.INVALID, f.extract("Nobody knows; yesterday it was unclear."));
    }

    @Test
    void matchesPythonReOnTheHarnessPatterns() throws Exception {
        // extraction_reference.jsonl: 25 responses run through Python's re by make_extraction_reference.py
        List<String> lines = Files.readAllLines(Path.of("src/test/resources/reasoning/extraction_reference.jsonl"));
        assertEquals(25, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode j = json.readTree(line);
            boolean gsm = j.get("task").asText().equals("gsm8k");
            ReasoningTask task = gsm ? ReasoningTask.gsm8k(0) : ReasoningTask.strategyQa(0);
            String response = j.get("response").asText(), target = j.get("target").asText();
            String strictAnswer = task.extractions().get(0).extract(response);
            String flexibleAnswer = task.extractions().get(1).extract(response);
            assertEquals(j.get("strict").asText(), strictAnswer, line);
            assertEquals(j.get("flexible").asText(), flexibleAnswer, line);
            assertEquals(j.get("strict_match").asDouble(), task.normalizer().exactMatch(strictAnswer, target), line);
            assertEquals(j.get("flexible_match").asDouble(), task.normalizer().exactMatch(flexibleAnswer, target), line);
        }
    }
}
