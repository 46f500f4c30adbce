package dev.mutual.eval.reasoning;

import dev.mutual.eval.TextGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ReasoningEvaluatorTest {
    private static final EvalResult.RunInfo RUN = new EvalResult.RunInfo("hand-written", "fixed responses", "test", "none");

    @Test
    void handMadeGsm8kResponsesScoreAsWorkedOut(@TempDir Path tmp) throws Exception {
        ReasoningTask task = ReasoningTask.gsm8k(8);
        List<ReasoningItem> items = task.readItems(ReasoningTaskTest.gsm8k());
        // gold answers of the first four items: 18, 3, 70000, 540
        assertEquals(List.of("18", "3", "70000", "540"), items.subList(0, 4).stream().map(ReasoningItem::target).toList());
        Path file = tmp.resolve("responses.jsonl");
        Files.writeString(file, String.join("\n",
                // strict and flexible right
                "{\"id\": \"0\", \"response\": \"16 - 3 - 4 = 9 eggs, 9 * 2 = 18. The answer is 18.\"}",
                // keyed by index; strict right, flexible wrong: the model kept going past the answer, no stop string
                "{\"index\": 1, \"response\": \"2 + 1 = 3. The answer is 3. Then 4 more\"}",
                // keyed by question; strict invalid ($), flexible right after dropping $ and ,
                "{\"question\": " + new ObjectMapper().writeValueAsString(items.get(2).question())
                        + ", \"output\": \"He made a profit of $70,000.\"}",
                // both wrong; the continuation after the stop string "Q:" would have been right and is cut off
                "{\"id\": \"3\", \"response\": \"The answer is 500.\\n\\nQ: next\\nA: The answer is 540.\"}"));
        var responses = ResponsesFile.read(file, items);
        var outcome = ReasoningEvaluator.score(task, items, responses, RUN);

        assertEquals(4, outcome.result().n());
        assertEquals(0.5, outcome.result().metrics().get("exact_match_strict-match"), 1e-12);
        assertEquals(0.5, outcome.result().metrics().get("exact_match_flexible-extract"), 1e-12);
        assertEquals("exact_match_strict-match", outcome.result().primaryMetric());
        assertEquals(1315, outcome.result().settings().get("unanswered_items"));
        List<EvalSample> s = outcome.samples();
        assertEquals(List.of("0", "1", "2", "3"), s.stream().map(EvalSample::id).toList());
        assertEquals(Map.of("exact_match_strict-match", 0.0, "exact_match_flexible-extract", 1.0), s.get(2).scores());
        assertEquals("$70,000.", s.get(2).details().get("extracted_flexible-extract"));
        assertEquals("4", s.get(1).details().get("extracted_flexible-extract"));
        assertEquals("The answer is 500.\n\n", s.get(3).details().get("cut_at_stop"));
        assertEquals("500.", s.get(3).details().get("extracted_flexible-extract"));
        assertTrue(s.get(0).prompt().endsWith("Q: " + items.get(0).question() + "\nA:"));
    }

    @Test
    void writtenPromptsRoundTripAsResponses(@TempDir Path tmp) throws Exception {
        ReasoningTask task = ReasoningTask.strategyQa(6);
        List<ReasoningItem> items = task.readItems(ReasoningTaskTest.strategyQa());
        Path prompts = tmp.resolve("prompts.jsonl");
        assertEquals(2284, ReasoningEvaluator.writePrompts(task, items, prompts));
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(prompts);
        StringBuilder responses = new StringBuilder();
        int yes = 0;
        for (String line : lines.subList(0, 10)) {
            @SuppressWarnings("unchecked") Map<String, Object> row = json.readValue(line, Map.class);
            assertFalse(row.containsKey("target"));
            assertTrue(((String) row.get("prompt")).endsWith("Q: Yes or no: " + row.get("question") + "\nA:"));
            // answer "yes" to everything: right exactly where the gold answer is true
            row.put("response", "Some reasoning. So the answer is yes.");
            responses.append(json.writeValueAsString(row)).append('\n');
            String id = (String) row.get("id");
            if (items.stream().filter(i -> i.id().equals(id)).findFirst().orElseThrow().target().equals("yes")) yes++;
        }
        Path file = tmp.resolve("responses.jsonl");
        Files.writeString(file, responses);
        var outcome = ReasoningEvaluator.score(task, items, ResponsesFile.read(file, items), RUN);
        assertEquals(10, outcome.result().n());
        assertEquals(yes / 10.0, outcome.result().metrics().get("exact_match_strict-match"), 1e-12);
        // the first ten scored ids skip the exemplars 0,1,2,3,5,7: ids 4,6,8..15; of those, 9 and 14 are true in the data
        assertEquals(2, yes);
    }

    @Test
    void generatorHookFeedsPromptsInOrderAcrossChunks() {
        ReasoningTask task = ReasoningTask.gsm8k(2);
        List<ReasoningItem> items = task.readItems(ReasoningTaskTest.gsm8k()).subList(0, 40);
        Map<String, String> targetByPrompt = new java.util.HashMap<>();
        for (ReasoningItem i : items) targetByPrompt.put(task.prompt(i.question()), i.target());
        List<Integer> callSizes = new ArrayList<>();
        List<String> seenPrompts = new ArrayList<>();
        // a fixed-output generator: right on every third prompt it is given (by its own count), else "0"
        TextGenerator fixed = (prompts, settings) -> {
            callSizes.add(prompts.size());
            List<String> out = new ArrayList<>();
            for (String p : prompts) {
                out.add("The answer is " + (seenPrompts.size() % 3 == 0 ? targetByPrompt.get(p) : "0") + ".");
                seenPrompts.add(p);
            }
            return out;
        };
        var outcome = ReasoningEvaluator.generateAndScore(task, items, fixed, RUN);
        assertEquals(List.of(16, 16, 8), callSizes);
        assertEquals(items.stream().map(i -> task.prompt(i.question())).toList(), seenPrompts);
        // right on positions 0, 3, ..., 39: 14 of 40 (no GSM8K target is "0" among the first 40)
        assertTrue(items.stream().noneMatch(i -> i.target().equals("0")));
        assertEquals(14 / 40.0, outcome.result().metrics().get("exact_match_strict-match"), 1e-12);
        assertEquals(1.0, outcome.samples().get(39).scores().get("exact_match_strict-match"));
    }

    @Test
    void badResponsesAreNamedByFileAndLine(@TempDir Path tmp) throws Exception {
        ReasoningTask task = ReasoningTask.gsm8k(8);
        List<ReasoningItem> items = task.readItems(ReasoningTaskTest.gsm8k());
        Path file = tmp.resolve("r.jsonl");
        Files.writeString(file, "{\"id\":\"0\",\"response\":\"a\"}\n{\"id\":\"0\",\"response\":\"b\"}\n");
        assertTrue(assertThrows(UserInputException.class, () -> ResponsesFile.read(file, items)).getMessage()
                .startsWith(file + ":2: item '0' already answered on line 1"));
        Files.writeString(file, "{\"id\":\"9999\",\"response\":\"a\"}\n");
        assertTrue(assertThrows(UserInputException.class, () -> ResponsesFile.read(file, items)).getMessage()
                .startsWith(file + ":1: id '9999' is not an item"));
        Files.writeString(file, "{\"index\":0,\"text\":\"a\"}\n");
        assertTrue(assertThrows(UserInputException.class, () -> ResponsesFile.read(file, items)).getMessage()
                .contains(":1: expected a string \"response\""));
    }
}
