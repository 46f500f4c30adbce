package dev.mutual.eval.alpaca;

import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.eval.judge.JudgeReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

/** Reading the two real alpaca_eval judge prompts and parsing judge replies the way alpaca_eval's parsers do. */
class AlpacaJudgePromptTest {
    /** A judge prompt from ../shared/data/alpaca_eval/judge_prompts; the calling test is skipped without it. */
    private static AlpacaJudgePrompt prompt(String file) {
        return AlpacaJudgePrompt.read(assumeShared("alpaca_eval/judge_prompts/" + file));
    }

    private static AlpacaJudgePrompt ranking() {
        return prompt("alpaca_eval_gpt4__alpaca_eval.txt");
    }

    private static AlpacaJudgePrompt classifier() {
        return prompt("alpaca_eval_clf_gpt4_turbo__alpaca_eval_clf.txt");
    }

    private static Double ranking(String reply) {
        return ranking().parse(new JudgeReply(reply, null)).preference();
    }

    @Test
    void rendersChatMlIntoSystemAndUserMessagesInsertingOutputsVerbatim() {
        List<ChatMessage> messages = ranking().render("Say hi", "Hi {output_2}", "Hello $1 \\n");
        assertEquals(List.of("system", "user"), messages.stream().map(m -> m.role().hfName()).toList());
        assertEquals("You are a helpful assistant, that ranks models by the quality of their answers.", messages.get(0).content());
        String user = messages.get(1).content();
        assertTrue(user.contains("\"instruction\": \"\"\"Say hi\"\"\""), user);
        assertTrue(user.contains("\"answer\": \"\"\"Hi {output_2}\"\"\""), "a placeholder inside an output is not substituted");
        assertTrue(user.contains("\"answer\": \"\"\"Hello $1 \\n\"\"\""), "regex replacement characters are literal");
        assertTrue(user.endsWith("Please provide the ranking that the majority of humans would give."), "stripped like prompt_to_chatml");
    }

    @Test
    void rankingParserReadsTheRankOfModel1() {
        assertEquals(1.0, ranking("[{'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 2}]"));
        assertEquals(2.0, ranking("[\n  {'model': 'model_2', 'rank': 1},\n  {'model': 'model_1', 'rank': 2}\n]"));
        assertEquals(2.0, ranking("[{\"rank\": 2, \"model\": \"model_1\"}, {\"rank\": 1, \"model\": \"model_2\"}]"));
        assertNull(ranking("```python\n[{'model': 'model_1', 'rank': 1}]\n```"), "not a Python literal: alpaca_eval gets NaN");
        assertNull(ranking("[{'model': 'model_1', 'rank': 3}]"));
        assertNull(ranking("model_1 is better"));
    }

    @Test
    void classifierParserWeighsLogprobsAndFallsBackToTheToken() {
        AlpacaJudgePrompt clf = classifier();
        double weighted = clf.parse(new JudgeReply("M", Map.of("M", Math.log(0.6), "m", Math.log(0.2), "The", -5.0))).preference();
        assertEquals(1 + 0.6 / 0.8, weighted, 1e-12);
        assertEquals(2.0, clf.parse(new JudgeReply(" M\n", Map.of())).preference(), "no logprobs: the token decides");
        assertEquals(1.0, clf.parse(new JudgeReply("m", Map.of("x", -0.1))).preference());
        assertNull(clf.parse(new JudgeReply("Model m", Map.of())).preference());
        assertEquals(1, clf.decoding().maxTokens());
        assertEquals(5, clf.decoding().topLogprobs());
    }

    @Test
    void promptWithoutTheExpectedPlaceholdersIsRejected(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("bad.txt");
        Files.writeString(file, "<|im_start|>user\nCompare {output_1} and {output_2} for 'rank'.\n<|im_end|>");
        UserInputException e = assertThrows(UserInputException.class, () -> AlpacaJudgePrompt.read(file));
        assertTrue(e.getMessage().contains("bad.txt") && e.getMessage().contains("instruction"), e.getMessage());
    }
}
