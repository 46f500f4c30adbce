package dev.mutual.data.prepare;

import dev.mutual.data.Example;
import dev.mutual.data.read.EvalPrompt;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DecontaminatorTest {
    private static final String LONG = "Write a short story about a robot who learns to paint sunsets on the beach every evening in July.";

    private final Decontaminator decon = new Decontaminator(13, 6, List.of(
            new EvalPrompt("ifeval", "1001", LONG),                          // 19 words: 7 13-grams
            new EvalPrompt("alpaca_eval", "42", "What is the meaning of life?"), // 6 words: matched whole
            new EvalPrompt("alpaca_eval", "43", "Tell a joke."),                 // 3 words: too short, ignored
            new EvalPrompt("gsm8k", "line7", "How many eggs does Janet sell at the market each day if she eats three?")));

    @Test
    void dropsItemsSharingAThirteenGramWhateverTheCaseAndPunctuation() {
        List<Example> in = List.of(
                // 13 words of the IFEval prompt, other case and punctuation: dropped
                Example.pair("hit13", "Please: WRITE a short-story about a robot, who learns to paint sunsets on the beach!", "", "ok", null, "f", 1),
                // only 12 consecutive words in common: kept
                Example.pair("miss12", "Now write a short story about a robot who learns to paint sunsets", "", "ok", null, "f", 2),
                // the short prompt inside a response: dropped
                Example.unlabelled("short", "People ask: what is the meaning of life? Nobody knows.", null, "f", 3),
                // the 3-word prompt is not checked
                Example.pair("joke", "Tell a joke.", "", "No.", null, "f", 4),
                // the overlap sits in the input field
                Example.pair("input", "Solve this.", "How many eggs does Janet sell at the market each day if she eats", "Some.", null, "f", 5));
        Stage.Result r = decon.apply(in);
        assertEquals(List.of("miss12", "joke"), r.kept().stream().map(Example::id).toList());
        Stage.Dropped hit = r.dropped().get(0);
        assertEquals("overlap with ifeval", hit.reason());
        assertEquals(new Stage.EvalMatch("ifeval", "1001", "instruction", "write a short story about a robot who learns to paint sunsets on"), hit.match());
        assertEquals(new Stage.EvalMatch("alpaca_eval", "42", "response", "what is the meaning of life"), r.dropped().get(1).match());
        assertEquals(new Stage.EvalMatch("gsm8k", "line7", "input", "how many eggs does janet sell at the market each day if she"), r.dropped().get(2).match());
        assertEquals(1, decon.shortPromptsIgnored());
        assertEquals(Map.of("ifeval", 1, "alpaca_eval", 2, "gsm8k", 1), decon.promptsPerSet());
    }

    @Test
    void minPromptWordsZeroChecksOnlyFullNgrams() {
        Decontaminator only13 = new Decontaminator(13, 0, List.of(new EvalPrompt("alpaca_eval", "42", "What is the meaning of life?")));
        assertEquals(1, only13.apply(List.of(Example.pair("q", "What is the meaning of life?", "", "42", null, "f", 1))).kept().size());
        assertEquals(1, only13.shortPromptsIgnored());
    }
}
