package dev.mutual.experiments.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mutual.experiments.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code mutual eval alpaca} and {@code mutual eval mt-bench} judged by a model that {@code mutual serve} answers with:
 * a fully offline judge, named as such in the results. The judges are real model files built so that their verdict is
 * known ({@link ScriptedReplyModel}). For AlpacaEval: whatever the prompt the next-token logits are 8 for "m", 4 for
 * "M" and 0 for the rest; AlpacaEval's classifier prompt then reads p(M) / (p(m) + p(M)) = 1 / (1 + e^4) from the
 * returned top logprobs.
 */
class ServeJudgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void alpacaEvalJudgedByAServedModelIsLabelledOffline(@TempDir Path tmp) throws Exception {
        Path clf = assumeShared("alpaca_eval/judge_prompts/alpaca_eval_clf_gpt4_turbo__alpaca_eval_clf.txt");
        Path tokFile = OpenAiServerTest.TOKENIZER;
        Path judgeDir = tmp.resolve("judge-tiny");
        ScriptedReplyModel.saveVerdict(judgeDir, tokFile, "m", "M");
        ArrayNode outputs = JSON.createArrayNode(), reference = JSON.createArrayNode();
        String[] instructions = {"Name a fruit.", "Say hello.", "Count to three."};
        for (String in : instructions) {
            outputs.addObject().put("instruction", in).put("output", "An answer to: " + in).put("generator", "tiny");
            reference.addObject().put("instruction", in).put("output", "The reference answer.").put("generator", "ref");
        }
        Path outFile = tmp.resolve("outputs.json"), refFile = tmp.resolve("reference.json");
        JSON.writeValue(outFile.toFile(), outputs);
        JSON.writeValue(refFile.toFile(), reference);

        try (ServedModel model = ServedModel.open(judgeDir, null, null, "chatml", null, 1);
             BatchEngine engine = new BatchEngine(model.decoder(), 4, 16);
             OpenAiServer server = new OpenAiServer(model, engine, "127.0.0.1", 0, null, 8)) {
            server.start();
            Path evalDir = tmp.resolve("eval");
            CliRun run = CliRun.of("eval", "alpaca", "--outputs", outFile.toString(), "--reference", refFile.toString(),
                    "--judge-prompt", clf.toString(), "--judge-url", "http://127.0.0.1:" + server.port() + "/v1",
                    "--judge-model", "judge-tiny", "--api-key-env", "", "--output", evalDir.toString());
            assertEquals(0, run.code(), run.err());
            JsonNode results = JSON.readTree(evalDir.resolve("results.json").toFile());
            assertEquals("offline judge (Mutual serve: judge-tiny)", results.findValue("judge").asText(), results.toString());
            double s = 1 / (1 + Math.exp(4));
            JsonNode annotations = JSON.readTree(evalDir.resolve("annotations.json").toFile());
            assertEquals(instructions.length, annotations.size());
            for (JsonNode a : annotations) {
                assertTrue(a.get("annotator").asText().startsWith("offline judge (Mutual serve: judge-tiny)"), a.toString());
                double p = a.get("preference").asDouble();
                // the judge always prefers the output it sees first (model_1): the verdict is 1 + s, mapped back when swapped
                double expected = a.get("is_swapped").asBoolean() ? 2 - s : 1 + s;
                assertEquals(expected, p, 1e-4, a.toString());
            }
        }
    }

    /**
     * {@code mutual eval mt-bench} graded by a served model whose reply is "[[7]]" whatever it is shown (see
     * {@link ScriptedReplyModel}; the tokenizer has no "[[" piece, so the second bracket of each pair is its byte
     * piece): every judgement parses to 7, and judgments.jsonl and results.json name the judge as offline.
     */
    @Test
    void mtBenchGradedByAServedModelIsLabelledOffline(@TempDir Path tmp) throws Exception {
        Path questions = assumeShared("mt_bench/question.jsonl");
        Path judgePrompts = assumeShared("mt_bench/judge_prompts.jsonl");
        Path references = assumeShared("mt_bench/reference_answer/gpt-4.jsonl");
        Path judgeDir = tmp.resolve("judge-tiny");
        ScriptedReplyModel.save(judgeDir, OpenAiServerTest.TOKENIZER, List.of("[", "<0x5B>", "7", "]", "<0x5D>"));
        // A writing question (general prompts) and a math one (the -math prompts, with GPT-4's reference answers).
        Path answers = tmp.resolve("answers.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int id : new int[] {81, 111}) {
            var a = JSON.createObjectNode().put("question_id", id).put("model_id", "tiny");
            a.putArray("choices").addObject().put("index", 0).putArray("turns").add("First answer to " + id + ".").add("Second answer.");
            lines.append(a).append('\n');
        }
        Files.writeString(answers, lines);

        try (ServedModel model = ServedModel.open(judgeDir, null, null, "chatml", null, 1);
             BatchEngine engine = new BatchEngine(model.decoder(), 4, 16);
             OpenAiServer server = new OpenAiServer(model, engine, "127.0.0.1", 0, null, 8)) {
            server.start();
            Path evalDir = tmp.resolve("eval");
            CliRun run = CliRun.of("eval", "mt-bench", "--answers", answers.toString(), "--questions", questions.toString(),
                    "--judge-prompts", judgePrompts.toString(), "--reference-answers", references.toString(),
                    "--judge-url", "http://127.0.0.1:" + server.port() + "/v1", "--judge-model", "judge-tiny",
                    "--api-key-env", "", "--output", evalDir.toString());
            assertEquals(0, run.code(), run.err());
            String label = "offline judge (Mutual serve: judge-tiny)";
            JsonNode results = JSON.readTree(evalDir.resolve("results.json").toFile());
            assertEquals(label, results.findValue("judge").asText(), results.toString());
            assertEquals(7.0, results.get("metrics").get("score").asDouble(), results.toString());
            assertEquals(4, results.get("metrics").get("n_judgements").asInt());
            assertEquals(0, results.get("metrics").get("n_unparsed").asInt());
            List<String> judgments = Files.readAllLines(evalDir.resolve("judgments.jsonl"));
            assertEquals(4, judgments.size(), "two questions x two turns");
            List<String> promptNames = new ArrayList<>();
            for (String line : judgments) {
                JsonNode j = JSON.readTree(line);
                assertEquals(label, j.get("judge").get(0).asText(), line);
                promptNames.add(j.get("judge").get(1).asText());
                assertEquals("[[7]]", j.get("judgment").asText(), line);
                assertEquals(7.0, j.get("score").asDouble(), line);
            }
            assertEquals(java.util.Set.of("single-v1", "single-v1-multi-turn", "single-math-v1", "single-math-v1-multi-turn"),
                    new java.util.HashSet<>(promptNames));
        }
    }
}
