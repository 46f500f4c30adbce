package dev.mutual.eval.mtbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import dev.mutual.eval.judge.JudgeEndpoint;
import dev.mutual.eval.judge.JudgeRunner;
import dev.mutual.eval.judge.LoopbackJudgeServer;
import dev.mutual.eval.judge.OpenAiChatClient;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import dev.mutual.eval.report.EvalSample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

/**
 * MT-Bench single-answer grading on the real 80 questions, judge prompts and GPT-4 reference answers, with a
 * loopback judge whose grade depends only on which prompt it was sent, so every average can be computed by hand.
 */
class MtBenchGradingTest {
    /** A file under ../shared/data/mt_bench; the calling test is skipped without it. */
    private static Path data(String file) {
        return assumeShared("mt_bench/" + file);
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes a FastChat answer file answering every question with "Answer to QID turn K." (question 81 turn 1 marked). */
    private static Path answers(Path dir, List<MtBenchQuestion> questions) throws Exception {
        List<String> lines = new ArrayList<>();
        for (MtBenchQuestion q : questions) {
            String first = q.questionId() == 81 ? "UNGRADEABLE answer" : "Answer to " + q.questionId() + " turn 1.";
            lines.add(JSON.writeValueAsString(Map.of("question_id", q.questionId(), "model_id", "test-model",
                    "choices", List.of(Map.of("index", 0, "turns", List.of(first, "Answer to " + q.questionId() + " turn 2."))))));
        }
        Path file = dir.resolve("test-model.jsonl");
        Files.write(file, lines);
        return file;
    }

    @Test
    void gradesBothTurnsWithTheRightPromptsAndAverages(@TempDir Path tmp) throws Exception {
        List<MtBenchQuestion> questions = MtBenchQuestion.read(data("question.jsonl"));
        assertEquals(80, questions.size());
        Map<Integer, MtBenchAnswer> references = MtBenchAnswer.read(data("reference_answer/gpt-4.jsonl"));
        MtBenchJudgePrompts prompts = MtBenchJudgePrompts.read(data("judge_prompts.jsonl"));
        Map<Integer, MtBenchAnswer> answers = MtBenchAnswer.read(answers(tmp, questions));

        // Grades: turn 1 general 7, turn 2 general 8, turn 1 with reference 3, turn 2 with reference 2.
        try (var server = new LoopbackJudgeServer(r -> {
            String user = r.message("user");
            boolean reference = user.contains("Reference Answer");
            boolean multiTurn = user.contains("### User:");
            // Only the turn-1 prompt of question 81 goes ungraded (its turn-2 prompt quotes the same answer).
            if (user.contains("UNGRADEABLE") && !multiTurn) return LoopbackJudgeServer.Response.chat("The answer is fine but I give no grade.");
            int grade = reference ? (multiTurn ? 2 : 3) : (multiTurn ? 8 : 7);
            return LoopbackJudgeServer.Response.chat("Explanation.\n\nRating: [[" + grade + "]]");
        })) {
            OpenAiChatClient judge = new OpenAiChatClient(JudgeEndpoint.of(server.baseUrl(), "loopback-judge"), null);
            List<MtBenchJudgement> judgements = new MtBenchGrading(judge, prompts, new JudgeRunner(4))
                    .grade(questions, answers, "test-model.jsonl", references, "gpt-4.jsonl");

            assertEquals(160, judgements.size());
            assertEquals(160, server.requests().size());
            // The math prompt for question 111 shows the judge GPT-4's reference answer for both turns.
            String mathTurn2 = server.requests().stream().map(r -> r.message("user"))
                    .filter(u -> u.contains("Answer to 111 turn 2.")).findFirst().orElseThrow();
            assertTrue(mathTurn2.contains(references.get(111).turns().get(1)));
            assertTrue(mathTurn2.contains(references.get(111).turns().get(0)));
            assertEquals(0.0, server.requests().get(0).body().get("temperature").asDouble());
            assertEquals(2048, server.requests().get(0).body().get("max_tokens").asInt());

            EvalResult result = MtBenchReport.write(tmp.resolve("out"), judgements, "test-model", "loopback-judge",
                    EvalResult.RunInfo.UNKNOWN, Map.of());
            Map<String, Double> m = result.metrics();
            // 50 general questions (one turn-1 grade unparsed), 30 with references:
            // turn 1: 49 x 7 + 30 x 3 = 433 over 79; turn 2: 50 x 8 + 30 x 2 = 460 over 80.
            assertEquals(433.0 / 79, m.get("score_turn_1"), 1e-12);
            assertEquals(460.0 / 80, m.get("score_turn_2"), 1e-12);
            assertEquals((433.0 + 460) / 159, m.get("score"), 1e-12);
            assertEquals((9 * 7 + 10 * 8) / 19.0, m.get("score_writing"), 1e-12);
            assertEquals(2.5, m.get("score_math"), 1e-12);
            assertEquals(2.5, m.get("score_coding"), 1e-12);
            assertEquals(7.5, m.get("score_humanities"), 1e-12);
            assertEquals(1.0, m.get("n_unparsed"));
            assertEquals(160.0, m.get("n_judgements"));

            List<EvalSample> samples = EvalResultFiles.readSamples(tmp.resolve("out"));
            assertEquals(160, samples.size());
            EvalSample unparsed = samples.stream().filter(s -> s.id().equals("81-1")).findFirst().orElseThrow();
            assertTrue(unparsed.scores().isEmpty());
            assertEquals(Boolean.FALSE, unparsed.details().get("parsed"));
            List<String> judgmentLines = Files.readAllLines(tmp.resolve("out").resolve(MtBenchReport.JUDGMENTS));
            assertEquals(160, judgmentLines.size());
            assertEquals(-1, JSON.readTree(judgmentLines.get(0)).get("score").asInt(), "FastChat's -1 for no rating");
        }
    }

    @Test
    void ratingExtractionFollowsFastChat() {
        assertEquals(8.0, MtBenchGrading.rating("Good answer. Rating: [[8]]"));
        assertEquals(7.5, MtBenchGrading.rating("[[7.5]] overall, though [[9]] for style"));
        assertEquals(6.0, MtBenchGrading.rating("Rating: [6]"), "backup pattern [N]");
        assertNull(MtBenchGrading.rating("Rating: eight"));
        assertNull(MtBenchGrading.rating("Rating: [[0]]"), "outside the 1-10 scale");
    }

    @Test
    void missingReferenceForAMathQuestionIsReported(@TempDir Path tmp) throws Exception {
        List<MtBenchQuestion> questions = MtBenchQuestion.read(data("question.jsonl"));
        MtBenchJudgePrompts prompts = MtBenchJudgePrompts.read(data("judge_prompts.jsonl"));
        Map<Integer, MtBenchAnswer> answers = MtBenchAnswer.read(answers(tmp, questions));
        OpenAiChatClient unused = new OpenAiChatClient(JudgeEndpoint.of(java.net.URI.create("http://127.0.0.1:9/v1"), "j"), null);
        UserInputException e = assertThrows(UserInputException.class,
                () -> new MtBenchGrading(unused, prompts, new JudgeRunner(1)).grade(questions, answers, "a.jsonl", Map.of(), "refs.jsonl"));
        assertTrue(e.getMessage().contains("refs.jsonl"), e.getMessage());
        assertTrue(e.getMessage().contains("question_id 101"), e.getMessage());
    }
}
