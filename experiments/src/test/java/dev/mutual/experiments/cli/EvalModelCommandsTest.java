package dev.mutual.experiments.cli;

import com.sun.net.httpserver.HttpServer;
import dev.mutual.eval.report.EvalResult;
import dev.mutual.eval.report.EvalResultFiles;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.eval.ifeval.IfevalPrompt;
import dev.mutual.eval.ifeval.IfevalPrompts;
import dev.mutual.eval.reasoning.ReasoningItem;
import dev.mutual.eval.reasoning.ReasoningTask;
import dev.mutual.trainer.checkpoint.Llama2cCheckpoint;
import dev.mutual.trainer.inference.Decoder;
import dev.mutual.trainer.inference.GenerationOptions;
import dev.mutual.trainer.inference.Generator;
import dev.mutual.trainer.inference.Scorer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval ... --model} on stories260K: the responses written and scored are the trainer Generator's greedy
 * continuations of the same prompts, and likelihoods are the trainer Scorer's, computed here without the CLI (both
 * on the scalar kernels, so the numbers agree to the last bits).
 */
class EvalModelCommandsTest {
    static final Path STORIES = Path.of("../../shared/data/models/stories260K");
    static final String MODEL = STORIES.resolve("stories260K.bin").toString(), TOKENIZER = STORIES.resolve("tok512.bin").toString();
    static final ObjectMapper JSON = new ObjectMapper();

    static Decoder decoder;
    static TextTokenizer tokenizer;

    @TempDir
    Path dir;

    /** Loads the model for the first test; every test is skipped (and counted) without the shared stories260K. */
    @BeforeEach
    void load() {
        assumeShared("models/stories260K/stories260K.bin");
        if (decoder != null) return;
        decoder = new Decoder(Llama2cCheckpoint.read(STORIES.resolve("stories260K.bin")), false, 1);
        tokenizer = TextTokenizer.load(STORIES.resolve("tok512.bin"));
    }

    @AfterAll
    static void close() {
        if (decoder != null) decoder.close();
        if (tokenizer != null) tokenizer.close();
    }

    /** Greedy continuation of {@code ids} by the trainer's generator alone, stopping at EOS (id 2). */
    static String greedy(int[] ids, int maxNewTokens) {
        Generator.Result r = new Generator(decoder).generate(List.of(ids), GenerationOptions.greedy(maxNewTokens).withStops(List.of(2), List.of()), null).get(0);
        int[] all = Arrays.copyOf(ids, ids.length + r.tokens().length);
        System.arraycopy(r.tokens(), 0, all, ids.length, r.tokens().length);
        return tokenizer.decode(all).substring(tokenizer.decode(ids).length());
    }

    static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void ifevalWithModelGeneratesScoresAndKeepsTheResponses() throws Exception {
        CliRun r = CliRun.of("eval", "ifeval", "--model", MODEL, "--tokenizer", TOKENIZER, "--kernels", "scalar", "--chat-template", "alpaca",
                "--limit", "5", "--max-new-tokens", "32", "--batch-size", "2", "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("IFEval on 5 prompts"), r.out());

        List<IfevalPrompt> prompts = IfevalPrompts.bundled().subList(0, 5);
        ChatEncoder alpaca = new ChatEncoder(tokenizer, ChatTemplate.forTokenizer("alpaca", tokenizer));
        List<JsonNode> responses = lines(dir.resolve("responses.jsonl"));
        List<JsonNode> strict = lines(dir.resolve("eval_results_strict.jsonl")), loose = lines(dir.resolve("eval_results_loose.jsonl"));
        assertEquals(5, responses.size());
        assertEquals(5, strict.size());
        assertEquals(5, loose.size());
        for (int i = 0; i < 5; i++) {
            String expected = greedy(alpaca.promptIds(List.of(ChatMessage.user(prompts.get(i).prompt()))), 32);
            assertEquals(prompts.get(i).prompt(), responses.get(i).get("prompt").asText());
            assertEquals(expected, responses.get(i).get("response").asText(), "prompt " + i);
            assertEquals(expected, strict.get(i).get("response").asText(), "prompt " + i);
        }
        JsonNode settings = JSON.readTree(dir.resolve("results.json").toFile()).get("settings");
        assertEquals(32, settings.get("max_new_tokens").asInt());
        assertEquals("alpaca", settings.get("chat_template").asText());
        assertEquals("5 (5 items evaluated)", settings.get("limit").asText());
        assertEquals(MODEL, settings.get("model").asText());

        // the responses file scores the same when passed back
        Path again = dir.resolve("again");
        CliRun back = CliRun.of("eval", "ifeval", "--responses", dir.resolve("responses.jsonl").toString(), "--limit", "5", "--output", again.toString());
        assertEquals(0, back.code(), back.err());
        assertEquals(Files.readString(dir.resolve("eval_results_strict.jsonl")), Files.readString(again.resolve("eval_results_strict.jsonl")));
    }

    @Test
    void gsm8kWithModelContinuesTheFewShotPromptAsRawText() throws Exception {
        Path gsm8k = assumeShared("gsm8k/test.jsonl"); // the command's default --data
        CliRun r = CliRun.of("eval", "gsm8k", "--model", MODEL, "--tokenizer", TOKENIZER, "--kernels", "scalar", "--num-fewshot", "0",
                "--limit", "3", "--max-new-tokens", "24", "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        ReasoningTask task = ReasoningTask.gsm8k(0);
        List<ReasoningItem> items = task.readItems(gsm8k).subList(0, 3);
        List<JsonNode> responses = lines(dir.resolve("responses.jsonl"));
        List<JsonNode> samples = lines(dir.resolve("samples.jsonl"));
        assertEquals(3, responses.size());
        assertEquals(3, samples.size());
        for (int i = 0; i < 3; i++) {
            String full = greedy(tokenizer.encode(task.prompt(items.get(i).question()), true), 24);
            String expected = task.generation().cutAtStop(full);
            assertEquals(items.get(i).id(), responses.get(i).get("id").asText());
            assertEquals(expected, responses.get(i).get("response").asText(), "item " + i);
        }
        JsonNode settings = JSON.readTree(dir.resolve("results.json").toFile()).get("settings");
        assertEquals(24, settings.get("max_new_tokens").asInt());
        assertFalse(settings.has("chat_template"), "few-shot prompts are raw text");
        assertEquals("3 (3 items evaluated)", settings.get("limit").asText());
    }

    @Test
    void likelihoodWithModelEqualsTheTrainersScorer() throws Exception {
        Path data = dir.resolve("mc.jsonl");
        Files.writeString(data, """
                {"id": "a", "query": "Once upon a time, there was a little", "choices": ["girl", "dragon", "car"], "gold": 0}
                {"id": "b", "query": "Tom had a big", "choices": ["dog", "sky"], "gold": 0}
                {"id": "c", "query": "The sun was", "choices": ["hot", "blue"], "gold": 0}
                """);
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("eval", "likelihood", "--model", MODEL, "--tokenizer", TOKENIZER, "--kernels", "scalar", "--data", data.toString(),
                "--limit", "2", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        List<JsonNode> samples = lines(out.resolve("samples.jsonl"));
        assertEquals(2, samples.size());
        String[][] pairs = {{"Once upon a time, there was a little", "girl", "dragon", "car"}, {"Tom had a big", "dog", "sky"}};
        Scorer scorer = new Scorer(decoder, 1);
        for (int i = 0; i < 2; i++) {
            JsonNode lls = samples.get(i).get("details").get("loglikelihoods");
            assertEquals(pairs[i].length - 1, lls.size());
            for (int c = 1; c < pairs[i].length; c++) {
                // lm-evaluation-harness split: the continuation is what encode(context + " " + choice) adds to encode(context)
                int[] context = tokenizer.encode(pairs[i][0], true), whole = tokenizer.encode(pairs[i][0] + " " + pairs[i][c], true);
                assertTrue(Arrays.equals(context, Arrays.copyOf(whole, context.length)));
                double expected = scorer.score(new Scorer.Request(context, Arrays.copyOfRange(whole, context.length, whole.length))).sumLogprob();
                assertEquals(expected, lls.get(c - 1).asDouble(), 1e-9, "item " + i + " choice " + c);
            }
        }
        JsonNode settings = JSON.readTree(out.resolve("results.json").toFile()).get("settings");
        assertEquals("2 (2 items evaluated)", settings.get("limit").asText());
    }

    @Test
    void exactlyOneSourceOfResponses() throws Exception {
        Path responses = dir.resolve("r.jsonl");
        Files.writeString(responses, "{\"prompt\": \"x\", \"response\": \"y\"}\n");
        CliRun both = CliRun.of("eval", "ifeval", "--responses", responses.toString(), "--model", MODEL, "--output", dir.toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
        CliRun neither = CliRun.of("eval", "gsm8k", "--output", dir.toString());
        assertEquals(2, neither.code());
        assertTrue(neither.err().contains("--model"), neither.err());
        CliRun scoresToo = CliRun.of("eval", "likelihood", "--scores", responses.toString(), "--model", MODEL, "--output", dir.toString());
        assertEquals(2, scoresToo.code());
        assertTrue(scoresToo.err().contains("mutually exclusive"), scoresToo.err());
        CliRun budgetWithoutModel = CliRun.of("eval", "ifeval", "--responses", responses.toString(), "--max-new-tokens", "8", "--output", dir.toString());
        assertEquals(2, budgetWithoutModel.code());
        assertTrue(budgetWithoutModel.err().contains("--max-new-tokens needs --model"), budgetWithoutModel.err());
        CliRun noTemplate = CliRun.of("eval", "ifeval", "--model", MODEL, "--tokenizer", TOKENIZER, "--limit", "1", "--output", dir.resolve("o").toString());
        assertEquals(2, noTemplate.code());
        assertTrue(noTemplate.err().contains("chat_template"), noTemplate.err());
        assertFalse(Files.exists(dir.resolve("o").resolve("results.json")));
    }

    @Test
    void alpacaWithModelExportsModelOutputsThenJudgesThem() throws Exception {
        Path prompts = assumeShared("alpaca_eval/alpaca_eval_805_prompts.jsonl"); // the command's default prompts
        CliRun r = CliRun.of("eval", "alpaca", "--model", MODEL, "--tokenizer", TOKENIZER, "--kernels", "scalar", "--chat-template", "alpaca",
                "--limit", "3", "--max-new-tokens", "16", "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("model_outputs.json"), r.out());

        // alpaca_eval's model_outputs format: exactly instruction, output, generator, dataset, in prompt order
        JsonNode outputs = JSON.readTree(dir.resolve("model_outputs.json").toFile());
        assertEquals(3, outputs.size());
        List<JsonNode> first3 = lines(prompts).subList(0, 3);
        ChatEncoder alpaca = new ChatEncoder(tokenizer, ChatTemplate.forTokenizer("alpaca", tokenizer));
        for (int i = 0; i < 3; i++) {
            JsonNode o = outputs.get(i);
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("instruction", "output", "generator", "dataset"), keys);
            assertEquals(first3.get(i).get("instruction").asText(), o.get("instruction").asText());
            assertEquals(first3.get(i).get("dataset").asText(), o.get("dataset").asText());
            assertEquals("stories260K.bin", o.get("generator").asText());
            assertEquals(greedy(alpaca.promptIds(List.of(ChatMessage.user(o.get("instruction").asText()))), 16), o.get("output").asText(), "prompt " + i);
        }

        // the same command with a judge (loopback, always ranks the first output shown best) judges what it generated
        HttpServer judge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        judge.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            var body = JSON.createObjectNode();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant")
                    .put("content", "[{'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 2}]");
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(bytes);
            }
        });
        judge.start();
        try {
            Path judged = dir.resolve("judged");
            CliRun j = CliRun.of("eval", "alpaca", "--model", MODEL, "--tokenizer", TOKENIZER, "--kernels", "scalar", "--chat-template", "alpaca",
                    "--limit", "3", "--max-new-tokens", "16", "--output", judged.toString(),
                    "--reference", assumeShared("alpaca_eval/model_outputs/text_davinci_003.json").toString(),
                    "--judge-prompt", assumeShared("alpaca_eval/judge_prompts/alpaca_eval_gpt4__alpaca_eval.txt").toString(),
                    "--judge-url", "http://127.0.0.1:" + judge.getAddress().getPort() + "/v1", "--judge-model", "loopback", "--api-key-env", "");
            assertEquals(0, j.code(), j.err());
            assertEquals(Files.readString(dir.resolve("model_outputs.json")), Files.readString(judged.resolve("model_outputs.json")));
            EvalResult result = EvalResultFiles.readResult(judged);
            assertEquals(3.0, result.metrics().get("n_total"));
            assertEquals("stories260K.bin", result.run().model());
            assertEquals(16, ((Map<?, ?>) result.settings().get("generation")).get("max_new_tokens"));
        } finally {
            judge.stop(0);
        }
    }

    @Test
    void mtBenchWithModelAnswersBothTurnsInOneConversationThenGradesThem() throws Exception {
        Path mt = assumeShared("mt_bench");
        String[] generate = {"eval", "mt-bench", "--model", MODEL, "--tokenizer", TOKENIZER, "--kernels", "scalar", "--chat-template", "alpaca",
                "--limit", "2", "--max-new-tokens", "12", "--questions", mt.resolve("question.jsonl").toString(),
                "--judge-prompts", mt.resolve("judge_prompts.jsonl").toString(),
                "--reference-answers", mt.resolve("reference_answer/gpt-4.jsonl").toString(), "--output", dir.toString()};
        CliRun r = CliRun.of(generate);
        assertEquals(0, r.code(), r.err());

        // FastChat's model_answer format; turn 2 is asked after the model's own turn-1 answer
        List<JsonNode> answers = lines(dir.resolve("model_answer.jsonl"));
        List<JsonNode> questions = lines(mt.resolve("question.jsonl")).subList(0, 2);
        ChatEncoder alpaca = new ChatEncoder(tokenizer, ChatTemplate.forTokenizer("alpaca", tokenizer));
        assertEquals(2, answers.size());
        for (int i = 0; i < 2; i++) {
            JsonNode a = answers.get(i), q = questions.get(i);
            assertEquals(q.get("question_id").asInt(), a.get("question_id").asInt());
            JsonNode turns = a.get("choices").get(0).get("turns");
            String q1 = q.get("turns").get(0).asText(), q2 = q.get("turns").get(1).asText();
            String a1 = greedy(alpaca.promptIds(List.of(ChatMessage.user(q1))), 12);
            assertEquals(a1, turns.get(0).asText(), "question " + i + " turn 1");
            String a2 = greedy(alpaca.promptIds(List.of(ChatMessage.user(q1), ChatMessage.assistant(a1), ChatMessage.user(q2))), 12);
            assertEquals(a2, turns.get(1).asText(), "question " + i + " turn 2");
        }

        HttpServer judge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        judge.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            var body = JSON.createObjectNode();
            body.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", "Weak.\nRating: [[2]]");
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(bytes);
            }
        });
        judge.start();
        try {
            List<String> args = new ArrayList<>(List.of(generate));
            args.set(args.indexOf("--output") + 1, dir.resolve("graded").toString());
            args.addAll(List.of("--judge-url", "http://127.0.0.1:" + judge.getAddress().getPort() + "/v1", "--judge-model", "loopback", "--api-key-env", ""));
            CliRun g = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, g.code(), g.err());
            assertEquals(Files.readString(dir.resolve("model_answer.jsonl")), Files.readString(dir.resolve("graded/model_answer.jsonl")));
            EvalResult result = EvalResultFiles.readResult(dir.resolve("graded"));
            assertEquals(2.0, result.metrics().get("score"), 1e-12);
            assertEquals(12, ((Map<?, ?>) result.settings().get("generation")).get("max_new_tokens"));
        } finally {
            judge.stop(0);
        }
    }
}
