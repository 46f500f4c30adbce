package dev.mutual.eval.ifeval;

import dev.mutual.eval.ifeval.Instruction.Relation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each of the 25 checkers on hand-made responses. Expected values were worked out from the reference's rules and,
 * for the regex-based ones, checked with Python's {@code re} (counts noted in comments).
 */
class InstructionTest {

    @Test
    void keywordExistenceIsCaseInsensitiveRegexSearch() {
        var keywords = new Instruction.KeywordExistence(List.of("paris", "Eiffel"));
        assertTrue(keywords.isFollowedBy("I visited PARIS and saw the eiffel tower."));
        assertFalse(keywords.isFollowedBy("I visited Paris."));
        // a search, not a word match: "art" is found inside "party"
        assertTrue(new Instruction.KeywordExistence(List.of("art")).isFollowedBy("What a party"));
    }

    @Test
    void keywordFrequencyCountsSubstringMatches() {
        // re.findall("the", ..., re.I) finds The, the, and the "the" in "other": 3
        String text = "The cat and the other cat";
        assertTrue(new Instruction.KeywordFrequency("the", 3, Relation.AT_LEAST).isFollowedBy(text));
        assertFalse(new Instruction.KeywordFrequency(" the ", 3, Relation.LESS_THAN).isFollowedBy(text));
        assertTrue(new Instruction.KeywordFrequency("the", 4, Relation.LESS_THAN).isFollowedBy(text));
    }

    @Test
    void forbiddenWordsMatchWholeWordsOnly() {
        var forbidden = new Instruction.ForbiddenWords(List.of("cat"));
        assertTrue(forbidden.isFollowedBy("We concatenate strings."));
        assertFalse(forbidden.isFollowedBy("My Cat!"));
    }

    @Test
    void letterFrequencyCountsTheLowercasedCharacter() {
        assertTrue(new Instruction.LetterFrequency("A", 3, Relation.AT_LEAST).isFollowedBy("BaNana"));
        assertFalse(new Instruction.LetterFrequency("a", 3, Relation.LESS_THAN).isFollowedBy("Banana"));
        // a non-letter is counted as given (the golden run replaced it with a random letter; see IfevalGoldenTest)
        assertTrue(new Instruction.LetterFrequency("#", 2, Relation.AT_LEAST).isFollowedBy("#a #b"));
        assertThrows(IllegalArgumentException.class, () -> new Instruction.LetterFrequency("ab", 1, Relation.AT_LEAST));
    }

    @Test
    void responseLanguageUsesLangdetectAndForgivesTextWithoutLetters() {
        var german = new Instruction.ResponseLanguage("de");
        assertTrue(german.isFollowedBy("Die Katze sitzt auf der Matte und schläft den ganzen Tag, weil sie müde ist."));
        assertFalse(german.isFollowedBy("The cat sits on the mat and sleeps all day because it is tired."));
        assertTrue(german.isFollowedBy("12345 !!! 678"), "no features: counted as followed, like the reference");
    }

    @Test
    void numberOfSentencesUsesPunkt() {
        // "Dr." is an abbreviation, so three sentences
        String text = "Dr. Smith arrived. He sat down. Then he left!";
        assertEquals(3, PunktSentenceTokenizer.ENGLISH.countSentences(text));
        assertTrue(new Instruction.NumberOfSentences(3, Relation.AT_LEAST).isFollowedBy(text));
        assertFalse(new Instruction.NumberOfSentences(3, Relation.LESS_THAN).isFollowedBy(text));
        // Punkt does not split at line breaks, and an ordinal before a capital ends a sentence:
        // "1." | "First item\n2." | "Second item"
        assertEquals(List.of("1.", "First item\n2.", "Second item"),
                PunktSentenceTokenizer.ENGLISH.tokenize("1. First item\n2. Second item"));
    }

    @Test
    void numberOfParagraphsSplitsOnMarkdownDividers() {
        assertTrue(new Instruction.NumberOfParagraphs(3).isFollowedBy("a\n***\nb\n***\nc"));
        // re.split gives ['', 'a', 'b']: an empty first part is not a paragraph
        assertTrue(new Instruction.NumberOfParagraphs(2).isFollowedBy("***\na\n***\nb"));
        assertFalse(new Instruction.NumberOfParagraphs(2).isFollowedBy("a\n***\n***\nb"), "empty middle paragraph");
    }

    @Test
    void numberOfWordsCountsPythonWordRuns() {
        // re.findall(r"\w+") gives Hello, world, It, s, 2023
        assertEquals(5, Instruction.NumberOfWords.countWords("Hello, world! It's 2023."));
        // Python's \w excludes combining marks: ['नमस', 'त', 'द', 'न', 'य']
        assertEquals(5, Instruction.NumberOfWords.countWords("नमस्ते दुनिया"));
        assertTrue(new Instruction.NumberOfWords(5, Relation.AT_LEAST).isFollowedBy("Hello, world! It's 2023."));
        assertFalse(new Instruction.NumberOfWords(5, Relation.LESS_THAN).isFollowedBy("Hello, world! It's 2023."));
    }

    @Test
    void nthParagraphFirstWordStripsQuotesAndPunctuation() {
        var check = new Instruction.NthParagraphFirstWord(2, 2, "Apple");
        assertTrue(check.isFollowedBy("Intro text.\n\n\"Apple, pie\" is good."));
        assertFalse(check.isFollowedBy("Intro text.\n\nBanana bread."));
        assertFalse(check.isFollowedBy("Intro.\n\nApple.\n\nThird."), "three paragraphs, two required");
        assertThrows(IllegalArgumentException.class, () -> new Instruction.NthParagraphFirstWord(2, 3, "x"));
    }

    @Test
    void placeholdersAreSquareBrackets() {
        assertTrue(new Instruction.NumberOfPlaceholders(2).isFollowedBy("[name] lives at [address]"));
        assertFalse(new Instruction.NumberOfPlaceholders(3).isFollowedBy("[name] lives at [address]"));
        assertFalse(new Instruction.NumberOfPlaceholders(1).isFollowedBy("[not\nclosed on one line]"));
    }

    @Test
    void postscriptMarkersAllowSpacesAndAnyCase() {
        assertTrue(new Instruction.Postscript("P.S.").isFollowedBy("Hi.\n\np. s. bye"));
        assertFalse(new Instruction.Postscript("P.S.").isFollowedBy("Hi.\n\nPS bye"));
        assertTrue(new Instruction.Postscript("P.P.S").isFollowedBy("Hi.\nP.P.S. one more"));
    }

    @Test
    void bulletListsCountStarAndDashLines() {
        // star lines: "* a", "* b" ("**bold**" is not one); dash lines: "- c"
        String text = "* a\n* b\n- c\n**bold** line";
        assertTrue(new Instruction.NumberOfBullets(3).isFollowedBy(text));
        assertFalse(new Instruction.NumberOfBullets(2).isFollowedBy(text));
    }

    @Test
    void constrainedResponseNeedsAnExactOption() {
        assertTrue(new Instruction.ConstrainedResponse().isFollowedBy("Well... My answer is yes."));
        assertFalse(new Instruction.ConstrainedResponse().isFollowedBy("My answer is Yes"));
    }

    @Test
    void highlightsCountSingleAndDoubleAsterisks() {
        // singles: '*one*', '**', '**', '* *' of which only '*one*' is non-empty; doubles: '**two**'
        assertTrue(new Instruction.NumberOfHighlights(2).isFollowedBy("*one* and **two** and * *"));
        assertFalse(new Instruction.NumberOfHighlights(3).isFollowedBy("*one* and **two** and * *"));
    }

    @Test
    void multipleSectionsSplitOnSplitterAndNumber() {
        // re.split gives ['', 'foo', 'bar']: two sections
        assertTrue(new Instruction.MultipleSections("SECTION", 2).isFollowedBy("SECTION 1\nfoo\nSECTION 2\nbar"));
        assertFalse(new Instruction.MultipleSections("Section", 2).isFollowedBy("SECTION 1\nfoo\nSECTION 2\nbar"));
    }

    @Test
    void jsonFormatAcceptsFencedJsonLikePython() {
        var json = new Instruction.JsonFormat();
        assertTrue(json.isFollowedBy("```json\n{\"a\": [1, 2]}\n```"));
        assertTrue(json.isFollowedBy("  \"just a string\"  "));
        assertTrue(json.isFollowedBy("NaN"), "json.loads('NaN') is accepted");
        assertFalse(json.isFollowedBy("{\"a\": 1} and more"));
        assertFalse(json.isFollowedBy("```\n```"));
    }

    @Test
    void titleIsDoubleAngleBracketsOnOneLine() {
        assertTrue(new Instruction.Title().isFollowedBy("<<My Title>>\ntext"));
        assertFalse(new Instruction.Title().isFollowedBy("<< >> text"));
        assertFalse(new Instruction.Title().isFollowedBy("<<two\nlines>>"));
    }

    @Test
    void twoResponsesAreDifferentAndSeparatedBySixAsterisks() {
        assertTrue(new Instruction.TwoResponses().isFollowedBy("First.\n******\nSecond."));
        assertFalse(new Instruction.TwoResponses().isFollowedBy("Same.\n******\n Same. "));
        assertFalse(new Instruction.TwoResponses().isFollowedBy("A\n******\n******\nB"));
    }

    @Test
    void repeatPromptComparesStartIgnoringCase() {
        var repeat = new Instruction.RepeatPrompt("Write a poem. ");
        assertTrue(repeat.isFollowedBy("  write a POEM. Roses are red."));
        assertFalse(repeat.isFollowedBy("Sure! Write a poem."));
    }

    @Test
    void endCheckerIgnoresCaseAndOuterQuotes() {
        var end = new Instruction.EndChecker("Any other questions?");
        assertTrue(end.isFollowedBy("Done.\nany other questions?\"\n"));
        assertFalse(end.isFollowedBy("Any other questions? Thanks."));
    }

    @Test
    void quotationWrapsTheWholeResponse() {
        assertTrue(new Instruction.Quotation().isFollowedBy(" \"hello\" "));
        assertFalse(new Instruction.Quotation().isFollowedBy("\""));
        assertFalse(new Instruction.Quotation().isFollowedBy("\"hello\" he said"));
    }

    @Test
    void capitalWordsAreAllCapsTreebankTokens() {
        // word_tokenize: IT 'S A BEAUTIFUL DAY , IS N'T IT ? -> 8 all-caps tokens (NLTK 3.10.3)
        String text = "IT'S A BEAUTIFUL DAY, ISN'T IT?";
        assertTrue(new Instruction.CapitalWordFrequency(8, Relation.AT_LEAST).isFollowedBy(text));
        assertFalse(new Instruction.CapitalWordFrequency(8, Relation.LESS_THAN).isFollowedBy(text));
    }

    @Test
    void englishCapitalAndLowercaseNeedCaseAndEnglish() {
        assertTrue(new Instruction.EnglishCapital().isFollowedBy("THIS IS A SHORT ANSWER WRITTEN IN CAPITAL LETTERS."));
        assertFalse(new Instruction.EnglishCapital().isFollowedBy("This is a short answer written in normal case."));
        assertTrue(new Instruction.EnglishLowercase().isFollowedBy("this is a short answer written in lowercase letters."));
        assertFalse(new Instruction.EnglishLowercase().isFollowedBy("this is a short answer with one Capital."));
        assertFalse(new Instruction.EnglishLowercase().isFollowedBy("le chat est sur la table et il dort toute la journée."),
                "lowercase but French");
    }

    @Test
    void noCommaMeansNoAsciiComma() {
        assertTrue(new Instruction.NoComma().isFollowedBy("One two three、four"));
        assertFalse(new Instruction.NoComma().isFollowedBy("One, two"));
    }

    @Test
    void looseModeForgivesAFirstLineAndMarkdown() {
        IfevalPrompt prompt = new IfevalPrompt(1, "Wrap it in quotes.", List.of(new Instruction.Quotation(), new Instruction.NoComma()));
        IfevalVerdict v = IfevalScorer.score(prompt, "Sure! Here it is:\n\"quoted text\"");
        assertEquals(List.of(false, true), v.strict());
        assertEquals(List.of(true, true), v.loose());
        assertFalse(v.followsAllStrict());
        assertTrue(v.followsAllLoose());
        IfevalVerdict empty = IfevalScorer.score(prompt, "  \n ");
        assertEquals(List.of(false, false), empty.strict(), "an empty response follows nothing");
        assertEquals(List.of(false, false), empty.loose());
        assertEquals(8, IfevalScorer.looseVariants("a\n*b*\nc").size());
        assertEquals(List.of("a\n*b*\nc", "a\nb\nc", "*b*\nc", "a\n*b*", "*b*", "b\nc", "a\nb", "b"),
                IfevalScorer.looseVariants("a\n*b*\nc"));
    }
}
