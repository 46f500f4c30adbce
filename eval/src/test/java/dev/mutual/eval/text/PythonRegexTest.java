package dev.mutual.eval.text;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PythonRegex} reads text as Python's re does. python_re_edge_cases.jsonl is what Python itself printed
 * (tools/make_python_re_fixture.py): over every code point, what \s, \w, \d, ".", [^\W\d], a few case-insensitive
 * letters and str.strip() accept, and IFEval's regexes (findall, split, search) on line terminators, Unicode
 * whitespace and digits, combining marks and case folding. Code points Java's Unicode tables do not assign are
 * skipped (Python's tables may be newer).
 */
class PythonRegexTest {

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
    void characterClassesAndCaseAgreeWithPythonOnEveryCodePoint() {
        List<JsonNode> classes = PythonReFixture.cases("class");
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
        assertEquals(12, classes.size());
    }

    @Test
    void stripAgreesWithPython() {
        JsonNode ranges = PythonReFixture.cases("strip").get(0).get("ranges");
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.getType(cp) == Character.UNASSIGNED) continue;
            String s = new String(Character.toChars(cp));
            assertEquals(in(ranges, cp), PythonRegex.strip("a" + s + s).equals("a") && PythonRegex.strip(s + "a").equals("a"),
                    String.format("U+%04X", cp));
        }
    }

    /** IFEval's patterns, with the flags the reference passes, give what Python's findall, split and search give. */
    @Test
    void ifevalPatternsAgreeWithPython() {
        List<JsonNode> cases = PythonReFixture.cases("pattern");
        List<String> wrong = new ArrayList<>();
        for (JsonNode j : cases) {
            String flags = j.get("flags").asText();
            Pattern p = PythonRegex.compile(j.get("pattern").asText(), (flags.contains("I") ? Pattern.CASE_INSENSITIVE : 0)
                    | (flags.contains("M") ? Pattern.MULTILINE : 0) | (flags.contains("S") ? Pattern.DOTALL : 0));
            String text = j.get("text").asText();
            Object java = switch (j.get("op").asText()) {
                case "findall" -> {
                    List<String> found = new ArrayList<>();
                    for (Matcher m = p.matcher(text); m.find(); ) found.add(m.group());
                    yield found;
                }
                case "split" -> List.of(p.split(text, -1));
                case "search" -> p.matcher(text).find();
                default -> throw new IllegalStateException(j.toString());
            };
            JsonNode expected = j.get("result");
            Object python = expected.isBoolean() ? (Object) expected.asBoolean() : strings(expected);
            if (!python.equals(java)) wrong.add(j + " -> java " + java);
        }
        assertEquals(List.of(), wrong);
        assertTrue(cases.size() > 250, "only " + cases.size() + " cases");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : array) out.add(s.asText());
        return out;
    }

    /** What java.util.regex with the flags IFEval used before (UNIX_LINES, UNICODE_CHARACTER_CLASS) got wrong. */
    @Test
    void theEdgesJavasUnicodeModeMissed() {
        int before = Pattern.UNIX_LINES | Pattern.UNICODE_CHARACTER_CLASS;
        assertTrue(Pattern.compile("\\bcan\\b", before | Pattern.CASE_INSENSITIVE).matcher("can\u0301").find() == false);
        assertTrue(PythonRegex.compile("\\bcan\\b", Pattern.CASE_INSENSITIVE).matcher("can\u0301").find(),
                "a combining mark after a word is a boundary to Python");
        assertEquals(1, Pattern.compile("\\w+", before).matcher("x\u203fy").results().count());
        assertEquals(2, PythonRegex.compile("\\w+", 0).matcher("x\u203fy").results().count(), "U+203F (Pc) is not \\w in Python");
        assertTrue(!Pattern.compile("\\s", before).matcher("\u001c").find());
        assertTrue(PythonRegex.compile("\\s", 0).matcher("\u001c").find(), "U+001C is whitespace to Python");
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
        assertThrows(IllegalArgumentException.class, () -> PythonRegex.compile("x", Pattern.COMMENTS));
        assertTrue(Pattern.compile(PythonRegex.translate("[^\\s\\d]+")).matcher("ab").matches());
    }
}
