package dev.mutual.experiments.pipeline;

import dev.mutual.experiments.model.TrainedModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.EncodedChat;
import dev.mutual.experiments.cli.CliRun;
import dev.mutual.experiments.recipe.CandidateChoice;
import dev.mutual.experiments.recipe.CurateConfig;
import dev.mutual.experiments.recipe.JudgeConfig;
import dev.mutual.experiments.recipe.SelectConfig;
import dev.mutual.experiments.serve.BatchEngine;
import dev.mutual.experiments.serve.OpenAiServer;
import dev.mutual.experiments.serve.ScriptedReplyModel;
import dev.mutual.experiments.serve.ServedModel;
import dev.mutual.trainer.inference.Decoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The curate stage (Humpback self-curation) on the hand-written scores.jsonl of {@link SelectStageTest}: rated by a
 * judge over loopback HTTP (a real server on 127.0.0.1), and by a tiny forward model trained here, through generation
 * and through the likelihood of the five "Score: k" replies.
 */
class CurateStageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    /** A finished forward train stage: a random d=32 decoder after one step on four pairs. */
    static Path forward;

    @TempDir
    Path tmp;
    Path scores;

    @BeforeAll
    static void trainForwardModel() throws IOException {
        Files.writeString(shared.resolve("seed.jsonl"), """
                {"instruction": "Name a colour.", "response": "Red."}
                {"instruction": "Count to three.", "response": "One, two, three."}
                {"instruction": "Say hello.", "response": "Hello!"}
                {"instruction": "What do cats like?", "response": "Cats like to sleep."}
                """);
        Path recipe = Files.writeString(shared.resolve("fwd.yaml"), """
                name: fwd
                seed: 5
                stages:
                  fwd:
                    type: train
                    data: seed.jsonl
                    init: {hidden_size: 32, layers: 2, heads: 4, kv_heads: 2, intermediate_size: 64}
                    tokenizer: %s
                    steps: 1
                """.formatted(MixStageTest.TOKENIZER));
        CliRun run = CliRun.of("run", recipe.toString(), "paths.runs=" + shared.resolve("runs"));
        assertEquals(0, run.code(), run::err);
        try (Stream<Path> d = Files.list(shared.resolve("runs/fwd"))) {
            forward = d.findFirst().orElseThrow().resolve("fwd");
        }
    }

    @BeforeEach
    void writeScores() throws IOException {
        scores = tmp.resolve("scores");
        SelectStageTest.writeLines(scores.resolve("scores.jsonl"), SelectStageTest.scoreLines());
    }

    Path run(CurateConfig config, Map<String, String> env, Map<String, Path> upstream) throws IOException {
        Path work = tmp.resolve("curate-" + System.nanoTime());
        Files.createDirectories(work);
        new CurateStage(config, env).run(new StageContext("curate", work, upstream, false));
        return work;
    }

    static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) out.add(JSON.readTree(l));
        return out;
    }

    /**
     * Self-curation judged by a model that {@code mutual serve} answers with (the real server on loopback): a model
     * whose greedy reply is "Score: 4" whatever it is shown ({@link ScriptedReplyModel}). Every best candidate is
     * rated 4 from the served reply, and summary.json names the judge as offline.
     */
    @Test
    @Timeout(120)
    void aServedModelJudgesOfflineAndIsNamedSo() throws Exception {
        Path judgeDir = tmp.resolve("judge-tiny");
        ScriptedReplyModel.save(judgeDir, MixStageTest.TOKENIZER, List.of("S", "c", "o", "r", "e", ":", " ", "4"));
        Path work;
        String url;
        try (ServedModel model = ServedModel.open(judgeDir, null, null, "chatml", null, 1);
             BatchEngine engine = new BatchEngine(model.decoder(), 4, 16);
             OpenAiServer server = new OpenAiServer(model, engine, "127.0.0.1", 0, null, 4)) {
            server.start();
            url = "http://127.0.0.1:" + server.port() + "/v1";
            CurateConfig config = new CurateConfig("pairs", null, new JudgeConfig(url, "judge-tiny", "", 2, 2),
                    CurateConfig.Method.GENERATE, null, 300, 8, CandidateChoice.BEST);
            work = run(config, Map.of(), Map.of("pairs", scores));
        }
        List<JsonNode> ratings = read(work.resolve("ratings.jsonl"));
        assertEquals(6, ratings.size(), "one rating per best candidate");
        for (JsonNode r : ratings) {
            assertEquals("judge", r.get("method").asText(), r.toString());
            assertEquals("Score: 4", r.get("raw").asText(), r.toString());
            assertEquals(4, r.get("rating").asInt(), r.toString());
        }
        JsonNode summary = JSON.readTree(work.resolve("summary.json").toFile());
        assertEquals(6, summary.get("ratings").get("4").asInt(), summary.toString());
        assertEquals(0, summary.get("unparsed").asInt());
        assertEquals("offline judge (Mutual serve: judge-tiny)", summary.get("judge").asText());
        assertEquals("offline judge (Mutual serve: judge-tiny) at " + url, summary.get("rater").asText());
    }

    @Test
    void promptFillsBothSlotsInOnePassAndTheRatingIsTheClosingScore() {
        SelfCurationPrompt shipped = SelfCurationPrompt.load(null);
        assertTrue(shipped.text().startsWith("Below is an instruction from an user and a candidate answer."));
        String filled = shipped.fill("Explain {response} fields.", "They hold $1 and \\n.");
        assertTrue(filled.endsWith("Explain {response} fields.\nThey hold $1 and \\n.\n"), filled);

        assertEquals(4, SelfCurationPrompt.rating("The answer is clear.\nScore: 4"));
        assertEquals(5, SelfCurationPrompt.rating("Score:5.\n"));
        assertEquals(2, SelfCurationPrompt.rating("Score: 4 at first, but on reflection\nScore: 2"));
        assertNull(SelfCurationPrompt.rating("Score: 4\nThanks for asking!"), "the score must close the reply");
        assertNull(SelfCurationPrompt.rating("Score: 6"));
        assertNull(SelfCurationPrompt.rating("I rate it 5."));
        assertNull(SelfCurationPrompt.rating(""));
    }

    @Test
    @Timeout(60)
    void aJudgeRatesOverHttpAndSelectKeepsWhatItRatedHighEnough() throws IOException {
        // The judge's reply depends on which source's pair it is shown.
        Map<String, String> replies = Map.of("s0", "Complete and helpful.\nScore: 5", "s1", "Score: 4", "s2", "Vague.\nScore: 2",
                "s3", "I cannot rate this.", "s4", "Score: 4\nHope this helps!", "s5", "Score: 5.");
        List<JsonNode> bodies = new CopyOnWriteArrayList<>();
        List<String> keys = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            bodies.add(body);
            keys.add(exchange.getRequestHeaders().getFirst("Authorization"));
            String prompt = body.get("messages").get(0).get("content").asText();
            String reply = "no source";
            for (var r : replies.entrySet()) if (prompt.contains("for " + r.getKey() + "\n")) reply = r.getValue();
            var out = JSON.createObjectNode();
            out.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", reply);
            byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(bytes);
            }
        });
        server.start();
        Path work;
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
            CurateConfig config = new CurateConfig("pairs", null, new JudgeConfig(url, "loopback", "MUTUAL_TEST_KEY", 2, 2),
                    CurateConfig.Method.GENERATE, null, 300, 8, CandidateChoice.BEST);
            work = run(config, Map.of("MUTUAL_TEST_KEY", "secret-key"), Map.of("pairs", scores));
        } finally {
            server.stop(0);
        }

        assertEquals(6, bodies.size(), "one request per best candidate; the rest are not rated");
        SelfCurationPrompt prompt = SelfCurationPrompt.load(null);
        List<String> expectedPrompts = new ArrayList<>();
        for (CandidateLine l : CandidateLine.read(scores.resolve("scores.jsonl"), true)) {
            if (l.best()) expectedPrompts.add(prompt.fill(l.instruction(), l.response()));
        }
        List<String> sent = new ArrayList<>();
        for (JsonNode b : bodies) {
            assertEquals("loopback", b.get("model").asText());
            assertEquals(0.0, b.get("temperature").asDouble());
            assertEquals(300, b.get("max_tokens").asInt());
            assertEquals("user", b.get("messages").get(0).get("role").asText());
            sent.add(b.get("messages").get(0).get("content").asText());
        }
        assertEquals(expectedPrompts.stream().sorted().toList(), sent.stream().sorted().toList());
        assertEquals(List.of("Bearer secret-key"), keys.stream().distinct().toList());

        List<JsonNode> ratings = read(work.resolve("ratings.jsonl"));
        assertEquals(6, ratings.size());
        Map<String, Integer> expected = new java.util.HashMap<>(Map.of("s0#r1c0", 5, "s1#r1c1", 4, "s2#r1c0", 2, "s5#r1c0", 5));
        for (JsonNode r : ratings) {
            String id = r.get("id").asText();
            assertEquals("judge", r.get("method").asText());
            assertEquals(replies.get(r.get("source_id").asText()), r.get("raw").asText());
            assertEquals(1, r.get("round").asInt());
            if (expected.containsKey(id)) assertEquals(expected.get(id), r.get("rating").asInt(), id);
            else assertTrue(r.get("rating").isNull(), id + " has no closing score");
        }
        JsonNode summary = JSON.readTree(work.resolve("summary.json").toFile());
        assertEquals(List.of(0, 1, 0, 1, 2), List.of(summary.get("ratings").get("1").asInt(), summary.get("ratings").get("2").asInt(),
                summary.get("ratings").get("3").asInt(), summary.get("ratings").get("4").asInt(), summary.get("ratings").get("5").asInt()));
        assertEquals(2, summary.get("unparsed").asInt());
        assertEquals(7, summary.get("not_chosen").asInt());
        assertTrue(summary.get("rater").asText().startsWith("judge loopback at http://127.0.0.1:"));
        assertEquals("loopback", summary.get("judge").asText(), "a hosted judge is named by its model");

        // Humpback A4: select keeps the pairs rated 4 or 5.
        Path selected = tmp.resolve("selected");
        Files.createDirectories(selected);
        new SelectStage(new SelectConfig("scores", SelectConfig.Mode.RATING, SelectConfig.Rule.THRESHOLD, 0, 0, 1, 50, null,
                CandidateChoice.BEST, null, null, null, "curate", 4, false), 0)
                .run(new StageContext("a4", selected, Map.of("scores", scores, "curate", work), false));
        assertEquals(List.of("s0#r1c0", "s1#r1c1", "s5#r1c0"), SelectStageTest.keptIds(selected));
    }

    @Test
    @Timeout(60)
    void anUnreachableJudgeOrAMissingKeyStopsWithOneMessageAndNoOutput() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/v1";
        CurateConfig config = new CurateConfig("pairs", null, new JudgeConfig(url, "loopback", "", 1, 1),
                CurateConfig.Method.GENERATE, null, 16, 8, CandidateChoice.FIRST);
        Path work = tmp.resolve("unreachable");
        Files.createDirectories(work);
        UserInputException e = assertThrows(UserInputException.class, () -> new CurateStage(config, Map.of())
                .run(new StageContext("curate", work, Map.of("pairs", scores), false)));
        assertTrue(e.getMessage().startsWith("stages.curate.judge.url: no ratings from the judge at " + url + " (model loopback): "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("Check judge.url and judge.api_key_env; no output was written"), e.getMessage());
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(0, files.count());
        }

        CurateConfig keyed = new CurateConfig("pairs", null, new JudgeConfig(url, "loopback", "MUTUAL_TEST_UNSET", 1, 1),
                CurateConfig.Method.GENERATE, null, 16, 8, CandidateChoice.FIRST);
        String message = assertThrows(UserInputException.class, () -> run(keyed, Map.of(), Map.of("pairs", scores))).getMessage();
        assertEquals("stages.curate.judge.api_key_env: environment variable MUTUAL_TEST_UNSET is not set; export the judge's API"
                + " key there, or set api_key_env: '' for a server that needs none", message);
    }

    @Test
    void aForwardModelRatesByTheLikelihoodOfEachScore() throws IOException {
        // A short prompt of our own keeps the test fast (the shipped one is ~2,400 characters).
        Path file = Files.writeString(tmp.resolve("rate.txt"), "Rate the answer from 1 to 5.\nInstruction: {generated_instruction}\n"
                + "Answer: {response}\nEnd with \"Score: N\".\n");
        CurateConfig config = new CurateConfig("pairs", "fwd", null, CurateConfig.Method.LIKELIHOOD, file, 16, 4, CandidateChoice.BEST);
        Path work = run(config, Map.of(), Map.of("pairs", scores, "fwd", forward));
        List<JsonNode> ratings = read(work.resolve("ratings.jsonl"));
        assertEquals(6, ratings.size());
        List<CandidateLine> best = new ArrayList<>();
        for (CandidateLine l : CandidateLine.read(scores.resolve("scores.jsonl"), true)) if (l.best()) best.add(l);

        try (TrainedModel model = TrainedModel.open(forward)) {
            ChatEncoder encoder = model.encoder();
            Decoder decoder = model.model().decoder();
            SelfCurationPrompt prompt = SelfCurationPrompt.load(file);
            for (int i = 0; i < ratings.size(); i++) {
                JsonNode r = ratings.get(i);
                double[] logprobs = new double[5];
                for (int k = 0; k < 5; k++) logprobs[k] = r.get("score_logprobs").get(k).asDouble();
                int argmax = 0;
                for (int k = 1; k < 5; k++) if (logprobs[k] > logprobs[argmax]) argmax = k;
                assertEquals(argmax + 1, r.get("rating").asInt(), "likelihood always rates: the most likely score");
                assertEquals("Score: " + (argmax + 1), r.get("raw").asText());
                assertEquals("likelihood", r.get("method").asText());
                if (i >= 2) continue;
                // Independently: one forward pass over the whole conversation, log-softmax of each reply token.
                for (int k = 0; k < 5; k++) {
                    EncodedChat chat = encoder.encode(List.of(ChatMessage.user(prompt.fill(best.get(i).instruction(), best.get(i).response())),
                            ChatMessage.assistant("Score: " + (k + 1))));
                    float[] hidden = decoder.forward(List.of(new Decoder.Chunk(chat.ids(), decoder.newCache(chat.ids().length))));
                    double sum = 0;
                    for (int t = 1; t < chat.ids().length; t++) {
                        if (chat.lossMask()[t] == 0) continue;
                        float[] logits = decoder.logits(hidden, t - 1, 1);
                        double max = Double.NEGATIVE_INFINITY, z = 0;
                        for (float v : logits) max = Math.max(max, v);
                        for (float v : logits) z += Math.exp(v - max);
                        sum += logits[chat.ids()[t]] - max - Math.log(z);
                    }
                    assertEquals(sum, logprobs[k], 1e-3, "log p(Score: " + (k + 1) + ") of pair " + i);
                }
            }
        }
        JsonNode summary = JSON.readTree(work.resolve("summary.json").toFile());
        assertEquals(0, summary.get("unparsed").asInt());
        assertEquals("model_stage fwd", summary.get("rater").asText());
        assertEquals(file.toString(), summary.get("prompt").asText());
    }

    @Test
    void aForwardModelRatesByGenerationTheSameInAnyBatch() throws IOException {
        List<String> raw = new ArrayList<>();
        for (int batch : new int[] {1, 4}) {
            CurateConfig config = new CurateConfig("pairs", "fwd", null, CurateConfig.Method.GENERATE, null, 6, batch, CandidateChoice.FIRST);
            List<JsonNode> ratings = read(run(config, Map.of(), Map.of("pairs", scores, "fwd", forward)).resolve("ratings.jsonl"));
            assertEquals(6, ratings.size(), "the first candidate of s0..s5; s6's instruction is empty");
            StringBuilder all = new StringBuilder();
            for (JsonNode r : ratings) {
                assertEquals("generate", r.get("method").asText());
                assertNotNull(r.get("raw").asText());
                Integer parsed = SelfCurationPrompt.rating(r.get("raw").asText());
                assertEquals(parsed == null, r.get("rating").isNull());
                all.append(r.get("raw").asText()).append('\u0000');
            }
            raw.add(all.toString());
        }
        assertEquals(raw.get(0), raw.get(1), "greedy replies do not depend on the batch");

        // A model trained in the reverse direction is refused when the stage opens it.
        Path reverse = tmp.resolve("rev");
        try (Stream<Path> files = Files.walk(forward)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = reverse.resolve(forward.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        TrainedModel.Info info = TrainedModel.readInfo(forward);
        TrainedModel.writeInfo(reverse, new TrainedModel.Info(dev.mutual.data.chat.PairDirection.REVERSE, info.chatTemplate(),
                info.objective(), info.lora()));
        CurateConfig config = new CurateConfig("pairs", "fwd", null, CurateConfig.Method.GENERATE, null, 6, 4, CandidateChoice.FIRST);
        String message = assertThrows(UserInputException.class, () -> run(config, Map.of(), Map.of("pairs", scores, "fwd", reverse)))
                .getMessage();
        assertEquals("stages.curate.model_stage: stage fwd trained a reverse model; expected a forward one", message);
    }
}
