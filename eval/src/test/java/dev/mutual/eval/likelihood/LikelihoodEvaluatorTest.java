package dev.mutual.eval.likelihood;

import dev.mutual.data.UserInputException;
import dev.mutual.eval.report.EvalOutcome;
import dev.mutual.eval.report.EvalResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

class LikelihoodEvaluatorTest {
    private static final EvalResult.RunInfo RUN = EvalResult.RunInfo.UNKNOWN;

    @Test
    void heldOutMetricsOnFixedNumbers() {
        List<HeldOutItem> items = List.of(new HeldOutItem("a", "p", "ab"), new HeldOutItem("b", "p", "é"));
        List<ContinuationScore> scores = List.of(new ContinuationScore(-2.0, 2, false), new ContinuationScore(-1.0, 1, true));
        EvalOutcome o = LikelihoodEvaluator.heldOut("heldout", items, scores, RUN);
        Map<String, Double> m = o.result().metrics();
        assertEquals(-1.5, m.get("loglik"), 1e-12);                      // (-2 - 1) / 2
        assertEquals(-1.0, m.get("loglik_per_token"), 1e-12);            // (-2/2 + -1/1) / 2
        assertEquals(Math.E, m.get("perplexity"), 1e-12);                // exp(3 / 3 tokens)
        assertEquals(3 / (Math.log(2) * 4), m.get("bits_per_byte"), 1e-12); // "ab" 2 bytes + "é" 2 bytes
        assertEquals(1.0820212806667177, m.get("bits_per_byte"), 1e-12);
        assertEquals(Map.of("loglik", -2.0, "loglik_per_token", -1.0), o.samples().get(0).scores());
        assertEquals("loglik_per_token", o.result().primaryMetric());
    }

    @Test
    void multipleChoiceThroughAScorerKeepsOrderAcrossChunks() {
        // 50 items x 3 choices = 150 requests, three scorer calls of at most 64. The scorer is a fixed function
        // of the continuation: -1 per character, so the shortest choice is likeliest and every choice ties per
        // character (acc_norm picks the first).
        List<MultipleChoiceItem> items = new ArrayList<>();
        for (int i = 0; i < 50; i++) items.add(new MultipleChoiceItem("i" + i, "q" + i, List.of("aaa", "b", "cc"), i % 3));
        List<Integer> callSizes = new ArrayList<>();
        LogLikelihoodScorer byLength = requests -> {
            callSizes.add(requests.size());
            return requests.stream().map(r -> new ContinuationScore(-(r.continuation().length() - 1), 1, false)).toList();
        };
        EvalOutcome o = LikelihoodEvaluator.multipleChoice("toy", items, byLength, RUN);
        assertEquals(List.of(64, 64, 22), callSizes);
        // gold cycles 0,1,2: acc is right when gold = 1 ("b"), acc_norm when gold = 0 ("aaa", first of the tie)
        assertEquals(17 / 50.0, o.result().metrics().get("acc"), 1e-12);  // i % 3 == 1 for 17 of 0..49 (1, 4, ..., 49)
        assertEquals(17 / 50.0, o.result().metrics().get("acc_norm"), 1e-12); // i % 3 == 0: 0, 3, ..., 48
        assertEquals("b", o.samples().get(0).response());
    }

    @Test
    void requestsAndScoresFilesRoundTrip(@TempDir Path tmp) throws Exception {
        List<MultipleChoiceItem> items = List.of(new MultipleChoiceItem("x", "Sky?", List.of("blue", "green"), 0),
                new MultipleChoiceItem("y", "Grass?", List.of("blue", "green"), 1));
        var requests = ScoresFile.requests(items);
        Path req = tmp.resolve("requests.jsonl");
        ScoresFile.writeRequests(requests, req);
        List<String> lines = Files.readAllLines(req);
        assertEquals("{\"request\":1,\"id\":\"x\",\"choice\":1,\"context\":\"Sky?\",\"continuation\":\" green\"}", lines.get(1));
        Path scores = tmp.resolve("scores.jsonl");
        Files.writeString(scores, """
                {"request": 3, "logprob": -0.5, "tokens": 1}
                {"request": 0, "logprob": -1.0, "tokens": 1, "id": "x"}
                {"request": 1, "logprob": -2.0, "tokens": 1, "greedy": true}
                {"request": 2, "logprob": -0.1, "tokens": 1}
                """);
        EvalOutcome o = LikelihoodEvaluator.multipleChoice("colours", items, ScoresFile.read(scores, requests), RUN);
        assertEquals(0.5, o.result().metrics().get("acc"), 1e-12);  // x right (blue), y wrong (blue -0.1 > green -0.5)
        assertEquals(List.of(false, true), o.samples().get(0).details().get("greedy"));

        Files.writeString(scores, "{\"request\": 0, \"logprob\": -1.0, \"tokens\": 1, \"id\": \"y\"}\n");
        assertTrue(assertThrows(UserInputException.class, () -> ScoresFile.read(scores, requests)).getMessage()
                .contains(":1: request 0 is item 'x', found id 'y'"));
        Files.writeString(scores, "{\"request\": 0, \"logprob\": -1.0, \"tokens\": 1}\n");
        assertTrue(assertThrows(UserInputException.class, () -> ScoresFile.read(scores, requests)).getMessage()
                .contains("request 1 (item 'x') has no score"));
        Files.writeString(scores, "{\"request\": 0, \"logprob\": 0.5, \"tokens\": 1}\n");
        assertTrue(assertThrows(UserInputException.class, () -> ScoresFile.read(scores, requests)).getMessage()
                .contains(":1: expected \"logprob\": a finite number <= 0, found 0.5"));
        Files.writeString(scores, "{\"request\": 0, \"logprob\": -1e400, \"tokens\": 1}\n"); // parses to -Infinity
        String tooSmall = assertThrows(UserInputException.class, () -> ScoresFile.read(scores, requests)).getMessage();
        assertTrue(tooSmall.contains(":1: expected \"logprob\": a finite number <= 0, found "), tooSmall);
    }

    @Test
    void readsHeldOutPairsAndMultipleChoiceFiles(@TempDir Path tmp) throws Exception {
        Path pairsFile = assumeShared("heldout/oasst1_en_validation/oasst1_en_val_pairs_rank0.jsonl");
        List<HeldOutItem> pairs = LikelihoodData.readHeldOut(pairsFile);
        assertEquals(418, pairs.size());
        assertEquals("7d05acb7-9360-458c-8a1d-c0b6492b8f8a", pairs.get(0).id());
        assertEquals("What do you think about ChatGPT?", pairs.get(0).prompt());
        assertFalse(LikelihoodData.isMultipleChoice(pairsFile));

        Path mc = tmp.resolve("mc.jsonl");
        Files.writeString(mc, """
                {"question": "2+2?", "choices": ["3", "4"], "answer": "4"}
                {"id": "q2", "query": "Sky?", "choices": ["blue", "red", "green"], "label": 0}
                {"question": "bad", "choices": ["a", "b"], "gold": 2}
                """);
        assertTrue(LikelihoodData.isMultipleChoice(mc));
        UserInputException e = assertThrows(UserInputException.class, () -> LikelihoodData.readMultipleChoice(mc));
        assertTrue(e.getMessage().startsWith(mc + ":3: expected \"gold\", \"label\" or \"answer\": an index 0..1"), e.getMessage());
        Files.writeString(mc, String.join("\n", Files.readAllLines(mc).subList(0, 2)));
        List<MultipleChoiceItem> items = LikelihoodData.readMultipleChoice(mc);
        assertEquals(new MultipleChoiceItem("0", "2+2?", List.of("3", "4"), 1), items.get(0));
        assertEquals(new MultipleChoiceItem("q2", "Sky?", List.of("blue", "red", "green"), 0), items.get(1));
    }
}
