package dev.mutual.eval.ifeval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.eval.text.PythonReFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IFEval's regex-based instructions give the verdict the reference's check_following gives on responses that put
 * its regexes on the places java.util.regex and Python's re differ ("\r", U+0085, U+2028 for "."; NBSP, U+3000,
 * U+001C for "\s"; combining marks and U+203F next to words; Arabic-Indic digits; dotted I and long s ignoring case).
 * The verdicts are Python's, computed by tools/make_python_re_fixture.py with the reference's regexes and flags.
 */
class IfevalRegexParityTest {
    @Test
    void verdictsAgreeWithThePythonReference() {
        List<JsonNode> cases = PythonReFixture.cases("ifeval");
        List<String> wrong = new ArrayList<>();
        for (JsonNode j : cases) {
            Instruction instruction = IfevalPrompts.build(j.get("id").asText(), j.get("kwargs"));
            boolean java = instruction.isFollowedBy(j.get("response").asText());
            if (java != j.get("followed").asBoolean()) wrong.add(j.toString());
        }
        assertEquals(List.of(), wrong);
        assertTrue(cases.size() >= 50, "only " + cases.size() + " cases");
    }
}
