package dev.mutual.eval.reasoning;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

class ReasoningTaskTest {
    /** ../shared/data/gsm8k/test.jsonl; the calling test is skipped without it. */
    static Path gsm8k() {
        return assumeShared("gsm8k/test.jsonl");
    }

    /** ../shared/data/strategyqa/test.jsonl; the calling test is skipped without it. */
    static Path strategyQa() {
        return assumeShared("strategyqa/test.jsonl");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int at = s.indexOf(what); at >= 0; at = s.indexOf(what, at + 1)) n++;
        return n;
    }

    @Test
    void promptsContainExactlyNExemplars() {
        for (int shots = 0; shots <= 8; shots++) {
            String p = ReasoningTask.gsm8k(shots).prompt("How many?");
            assertEquals(shots + 1, count(p, "Q: "), "gsm8k " + shots + "-shot");
            assertEquals(shots, count(p, "The answer is "), "gsm8k " + shots + "-shot");
            assertTrue(p.endsWith("\n\nQ: How many?\nA:") || shots == 0, p);
        }
        assertEquals("Q: How many?\nA:", ReasoningTask.gsm8k(0).prompt("How many?"));
        String s = ReasoningTask.strategyQa(6).prompt("Is water wet?");
        assertEquals(7, count(s, "Q: Yes or no: "));
        assertEquals(6, count(s, "So the answer is "));
        assertTrue(s.startsWith("Q: Yes or no: Do hamsters provide food for any animals?\nA: Hamsters are prey animals."), s);
        assertTrue(s.endsWith("So the answer is no.\n\nQ: Yes or no: Is water wet?\nA:"), s);
    }

    @Test
    void fewShotCountBeyondTheExemplarsIsBadInput() {
        UserInputException e = assertThrows(UserInputException.class, () -> ReasoningTask.gsm8k(9));
        assertTrue(e.getMessage().contains("between 0 and 8"), e.getMessage());
        assertThrows(UserInputException.class, () -> ReasoningTask.strategyQa(7));
    }

    @Test
    void readsTheRealDatasets() {
        List<ReasoningItem> gsm = ReasoningTask.gsm8k(8).readItems(gsm8k());
        assertEquals(1319, gsm.size());
        assertEquals(new ReasoningItem("0", 0, gsm.get(0).question(), "18"), gsm.get(0));
        assertTrue(gsm.get(0).question().startsWith("Janet"));
        List<ReasoningItem> sqa = ReasoningTask.strategyQa(6).readItems(strategyQa());
        assertEquals(2290, sqa.size());
        assertEquals(1071, sqa.stream().filter(i -> i.target().equals("yes")).count(), "SOURCE.md: 1,071 true");
        assertEquals("Is it common to see frost during some college commencements?", sqa.get(0).question());
        assertEquals("yes", sqa.get(0).target());
    }

    @Test
    void strategyQaExemplarsComeFromTheSetAndAreNotScored() {
        List<ReasoningItem> sqa = ReasoningTask.strategyQa(6).readItems(strategyQa());
        assertEquals(List.of("0", "1", "2", "3", "5", "7"),
                sqa.stream().filter(ReasoningTask.strategyQa(6)::isExemplar).map(ReasoningItem::id).toList());
        // with 2 shots only the hamster and Brooke Shields questions (ids 3 and 7) are in the prompt
        assertEquals(List.of("3", "7"), sqa.stream().filter(ReasoningTask.strategyQa(2)::isExemplar).map(ReasoningItem::id).toList());
        assertTrue(ReasoningTask.gsm8k(8).readItems(gsm8k()).stream().noneMatch(ReasoningTask.gsm8k(8)::isExemplar));
    }

    @Test
    void malformedDatasetLineNamesFileAndLine(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("gsm.jsonl");
        java.nio.file.Files.writeString(f, "{\"question\":\"a\",\"answer\":\"x #### 1\"}\n{\"question\":\"b\",\"answer\":\"no hashes\"}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> ReasoningTask.gsm8k(8).readItems(f));
        assertTrue(e.getMessage().startsWith(f + ":2: expected the answer to end with '#### N'"), e.getMessage());
    }
}
