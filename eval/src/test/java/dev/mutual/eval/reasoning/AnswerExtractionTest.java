package dev.mutual.eval.reasoning;

import org.junit.jupiter.api.Test;

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
}
