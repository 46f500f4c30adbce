package dev.mutual.eval.reasoning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ported regexes read text as Python's re does. python_re_edge_cases.jsonl is what Python itself printed
 * (tools/make_python_re_fixture.py): extractions and normalisations on line terminators, Unicode whitespace, word
 * boundaries next to combining marks and case folding, and, over every code point, what \s, \w, \d, ".", a few
 * case-insensitive letters and str.strip() accept. Code points Java's Unicode tables do not assign are skipped
 * (Python's tables may be newer).
 */
class PythonRegexTest {
    private static final Path FIXTURE = Path.of("src/test/resources/reasoning/python_re_edge_cases.jsonl");

    private static List<JsonNode> fixture(String kind) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(FIXTURE)) {
            JsonNode j = json.readTree(line);
            if (j.get("kind").asText().equals(kind)) out.add(j);
        }
        assertTrue(!out.isEmpty(), kind);
        return out;
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
    void extractionsAndMatchesAgreeWithPython() throws IOException {
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
    void normalisationAgreesWithPython() throws IOException {
        for (JsonNode j : fixture("normalize")) {
            String text = j.get("text").asText();
            assertEquals(j.get("numbers").asText(), AnswerNormalizer.numbers().normalize(text), j.toString());
            assertEquals(j.get("lower").asText(), AnswerNormalizer.caseOnly().normalize(text), j.toString());
        }
    }

    /** Whether {@code cp} is in the fixture's sorted [first, last] ranges. */
    private static boolean in(JsonNode ranges, int cp) {
        int lo = 0, hi = ranges.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            JsonNode r = ranges.get(mid);
            if (cp < r.get(0).asInt()) hi = mid - 1;
            else if (cp > r.get(1).asInt()) lo = mid + 1;
            else return true;
        }
        return false;
    }

    @Test
    void characterClassesAndCaseAgreeWithPythonOnEveryCodePoint() throws IOException {
        List<JsonNode> classes = fixture("class");
        for (JsonNode j : classes) {
            String python = j.get("pattern").asText();
            Matcher m = PythonRegex.compile(python, j.get("ignore_case").asBoolean()).matcher("");
            JsonNode ranges = j.get("ranges");
            List<String> wrong = new ArrayList<>();
            for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
                if (Character.getType(cp) == Character.UNASSIGNED) continue;
                boolean java = m.reset(new String(Character.toChars(cp))).matches();
                if (java != in(ranges, cp) && wrong.size() < 10) wrong.add(String.format("U+%04X python=%s", cp, !java));
            }
            assertEquals(List.of(), wrong, "pattern " + python + " (Python's Unicode " + j.get("unicode").asText() + ")");
        }
        assertEquals(11, classes.size());
    }

    @Test
    void stripAgreesWithPython() throws IOException {
        JsonNode ranges = fixture("strip").get(0).get("ranges");
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.getType(cp) == Character.UNASSIGNED) continue;
            String s = new String(Character.toChars(cp));
            assertEquals(in(ranges, cp), PythonRegex.strip("a" + s + s).equals("a") && PythonRegex.strip(s + "a").equals("a"),
                    String.format("U+%04X", cp));
        }
    }

    @Test
    void translation() {
        assertEquals("a{0,3}", PythonRegex.translate("a{,3}"));
        assertEquals("(?<n>x)\\z", PythonRegex.translate("(?P<n>x)\\Z"));
        assertEquals("[\\x08a]", PythonRegex.translate("[\\ba]"));
        assertEquals("[\\[a]", PythonRegex.translate("[[a]"));
        assertEquals("[]a]", PythonRegex.translate("[]a]"));
        assertThrows(IllegalArgumentException.class, () -> PythonRegex.translate("a{b"));
        assertThrows(IllegalArgumentException.class, () -> PythonRegex.translate("\\Bx"));
        assertTrue(Pattern.compile(PythonRegex.translate("[^\\s\\d]+")).matcher("ab").matches());
    }
}
