package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.*;

/** {@code mutual eval alpaca} and {@code mutual eval mt-bench} end to end, judged over loopback HTTP. */
class EvalJudgeCommandsTest {
    /** A file under ../shared/data/alpaca_eval; the calling test is skipped without it. */
    private static Path alpaca(String file) {
        return assumeShared("alpaca_eval/" + file);
    }

    /** A file under ../shared/data/mt_bench; the calling test is skipped without it. */
    private static Path mtBench(String file) {
        return assumeShared("mt_bench/" + file);
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A judge on 127.0.0.1 that answers every request with {@code reply}; counts requests. */
    private static HttpServer judge(String reply, AtomicInteger requests) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            var body = JSON.createObjectNode();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", reply);
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(bytes);
            }
        });
        server.start();
        return server;
    }

    @Test
    void recomputesWinRatesFromAnnotations(@TempDir Path tmp) {
        CliRun run = CliRun.of("eval", "alpaca", "--annotations", alpaca("annotations/alpaca-7b__alpaca_eval_gpt4.json").toString(),
                "--output", tmp.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("win rate 26.46 ± 1.54"), run.out());
        EvalResult result = EvalResultFiles.readResult(tmp);
        assertEquals("alpaca_eval", result.benchmark());
        assertEquals("alpaca-7b", result.run().model());
        assertEquals(26.459627329192543, result.metrics().get("win_rate"), 1e-9);
    }

    @Test
    void judgesOutputsThenAnswersTheRerunFromTheCache(@TempDir Path tmp) throws Exception {
        // The first 10 alpaca-7b outputs, as a user's model_outputs.json; the judge always ranks model_1 first.
        JsonNode all = JSON.readTree(alpaca("model_outputs/alpaca-7b.json").toFile());
        List<JsonNode> first10 = new ArrayList<>();
        for (int i = 0; i < 10; i++) first10.add(all.get(i));
        Path outputs = tmp.resolve("model_outputs.json");
        JSON.writeValue(outputs.toFile(), first10);
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = judge("[{'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 2}]", requests);
        try {
            String[] args = {"eval", "alpaca", "--outputs", outputs.toString(),
                    "--reference", alpaca("model_outputs/text_davinci_003.json").toString(),
                    "--judge-prompt", alpaca("judge_prompts/alpaca_eval_gpt4__alpaca_eval.txt").toString(),
                    "--judge-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1", "--judge-model", "loopback",
                    "--api-key-env", "", "--output", tmp.resolve("out").toString(), "--seed", "3"};
            CliRun run = CliRun.of(args);
            assertEquals(0, run.code(), run.err());
            assertEquals(10, requests.get());
            EvalResult result = EvalResultFiles.readResult(tmp.resolve("out"));
            assertEquals(10.0, result.metrics().get("n_total"));
            // A judge that always prefers the first output: the model wins exactly where it was shown first.
            JsonNode annotations = JSON.readTree(tmp.resolve("out/annotations.json").toFile());
            int swapped = 0;
            for (JsonNode a : annotations) if (a.get("is_swapped").asBoolean()) swapped++;
            assertEquals(100.0 * swapped / 10, result.metrics().get("win_rate"), 1e-9);

            CliRun rerun = CliRun.of(args);
            assertEquals(0, rerun.code(), rerun.err());
            assertEquals(10, requests.get(), "the re-run is answered from OUTPUT/judge_cache");
            assertTrue(rerun.out().contains("judge: 10 cached, 0 HTTP requests"), rerun.out());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void missingApiKeyVariableIsABadInputNamingIt(@TempDir Path tmp) {
        CliRun run = CliRun.of("eval", "alpaca", "--outputs", alpaca("model_outputs/alpaca-7b.json").toString(),
                "--reference", alpaca("model_outputs/text_davinci_003.json").toString(),
                "--judge-prompt", alpaca("judge_prompts/alpaca_eval_gpt4__alpaca_eval.txt").toString(),
                "--judge-url", "http://127.0.0.1:9/v1", "--judge-model", "m",
                "--api-key-env", "MUTUAL_TEST_SURELY_UNSET_KEY", "--output", tmp.toString());
        assertEquals(MutualCli.EXIT_BAD_INPUT, run.code());
        assertTrue(run.err().contains("MUTUAL_TEST_SURELY_UNSET_KEY"), run.err());
    }

    @Test
    void gradesMtBenchAnswers(@TempDir Path tmp) throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = judge("Solid answer.\nRating: [[6]]", requests);
        try {
            // GPT-4's reference answers double as a model's answers to the 30 math/reasoning/coding questions.
            CliRun run = CliRun.of("eval", "mt-bench", "--answers", mtBench("reference_answer/gpt-4.jsonl").toString(),
                    "--questions", mtBench("question.jsonl").toString(),
                    "--judge-prompts", mtBench("judge_prompts.jsonl").toString(),
                    "--reference-answers", mtBench("reference_answer/gpt-4.jsonl").toString(),
                    "--judge-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1", "--judge-model", "loopback",
                    "--api-key-env", "", "--output", tmp.toString());
            assertEquals(0, run.code(), run.err());
            assertEquals(60, requests.get(), "30 questions x 2 turns");
            EvalResult result = EvalResultFiles.readResult(tmp);
            assertEquals(6.0, result.metrics().get("score"));
            assertEquals(6.0, result.metrics().get("score_reasoning"));
            assertEquals("gpt-4", result.run().model());
            assertTrue(Files.isRegularFile(tmp.resolve("judgments.jsonl")));
        } finally {
            server.stop(0);
        }
    }
}
