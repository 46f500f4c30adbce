package dev.mutual.experiments.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.experiments.cli.CliRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code mutual serve}'s API over real HTTP on a loopback port, with the stories260K model and tokenizer from
 * samples/: replies, streaming, logprobs against {@code mutual score}, seeded sampling whatever the batch, errors,
 * the full queue and the API key.
 */
class OpenAiServerTest {
    static final Path MODEL = Path.of("..", "samples", "stories260K.bin");
    static final Path TOKENIZER = Path.of("..", "samples", "tok512.bin");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static ServedModel model;
    private static BatchEngine engine;
    private static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        model = ServedModel.open(MODEL, TOKENIZER, null, "chatml", "tiny", 1);
        engine = new BatchEngine(model.decoder(), 8, 64);
        server = new OpenAiServer(model, engine, "127.0.0.1", 0, null, 32);
        server.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (engine != null) engine.close();
        if (model != null) model.close();
    }

    record Reply(int status, JsonNode body, String raw, HttpResponse<String> response) {}

    static Reply post(OpenAiServer s, String path, String body) throws Exception {
        return post(s, path, body, null);
    }

    static Reply post(OpenAiServer s, String path, String body, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (auth != null) b.header("Authorization", auth);
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        JsonNode json = null;
        try {
            json = JSON.readTree(r.body());
        } catch (Exception notJson) {
            // an event stream
        }
        return new Reply(r.statusCode(), json, r.body(), r);
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(OpenAiServer s, String path, String body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static String chatBody(String user, int maxTokens, double temperature, Long seed, boolean stream) {
        ObjectNode o = JSON.createObjectNode().put("model", "tiny").put("max_tokens", maxTokens).put("temperature", temperature).put("stream", stream);
        if (seed != null) o.put("seed", seed);
        o.putArray("messages").addObject().put("role", "user").put("content", user);
        return o.toString();
    }

    @Test
    void listsTheModel() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        JsonNode m = JSON.readTree(r.body()).get("data").get(0);
        assertEquals("tiny", m.get("id").asText());
        assertEquals(OpenAiServer.OWNER, m.get("owned_by").asText());
    }

    @Test
    void servesATrainStageFolderWithItsChatTemplate(@TempDir Path tmp) throws Exception {
        Path stage = tmp.resolve("forward_r0");
        CliRun convert = CliRun.of("convert", "--llama2c", MODEL.toString(), "--tokenizer", TOKENIZER.toString(), "--output",
                stage.resolve("model").toString());
        assertEquals(0, convert.code(), convert.err());
        Files.writeString(stage.resolve("trained.json"), "{\"direction\": \"forward\", \"chat_template\": \"vicuna\", \"objective\": \"sft\", \"lora\": false}");
        try (ServedModel m = ServedModel.open(stage, null, null, null, null, 1);
             BatchEngine e = new BatchEngine(m.decoder(), 2, 4); OpenAiServer s = new OpenAiServer(m, e, "127.0.0.1", 0, null, 4)) {
            s.start();
            assertEquals("forward_r0", m.name());
            assertEquals("vicuna", m.template().name());
            Reply r = post(s, "/v1/chat/completions", chatBody("Tell me a story about a cat.", 8, 0, null, false));
            assertEquals(200, r.status(), r.raw());
            int prompt = new ChatEncoder(m.tokenizer(), m.template()).promptIds(List.of(ChatMessage.user("Tell me a story about a cat."))).length;
            assertEquals(prompt, r.body().at("/usage/prompt_tokens").asInt());
        }
    }

    @Test
    void anAdapterIsMergedAtLoad(@TempDir Path tmp) throws Exception {
        Path base = Path.of("../trainer/src/test/resources/parity/llama"), adapter = Path.of("../trainer/src/test/resources/lora/llama-adapter");
        Path merged = tmp.resolve("merged");
        assertEquals(0, CliRun.of("merge", "--base", base.toString(), "--adapter", adapter.toString(), "--output", merged.toString()).code());
        int[] ids = {1, 17, 42, 5, 88, 23, 9, 64};
        Path in = tmp.resolve("ids.jsonl"), out = tmp.resolve("scores.jsonl");
        Files.writeString(in, "{\"prompt_ids\": [1], \"target_ids\": [17, 42, 5, 88, 23, 9, 64]}\n");
        CliRun score = CliRun.of("score", "--model", merged.toString(), "--tokenizer", TOKENIZER.toString(), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, score.code(), score.err());
        JsonNode expected = JSON.readTree(Files.readString(out)).get("token_logprobs");
        String body = "{\"prompt\": " + JSON.writeValueAsString(ids) + ", \"max_tokens\": 0, \"echo\": true, \"logprobs\": 0}";
        for (boolean withAdapter : new boolean[] {true, false}) {
            try (ServedModel m = ServedModel.open(base, TOKENIZER, withAdapter ? adapter : null, "chatml", null, 1);
                 BatchEngine e = new BatchEngine(m.decoder(), 2, 4); OpenAiServer s = new OpenAiServer(m, e, "127.0.0.1", 0, null, 4)) {
                s.start();
                JsonNode got = post(s, "/v1/completions", body).body().at("/choices/0/logprobs/token_logprobs");
                double worst = 0;
                for (int t = 0; t < expected.size(); t++) worst = Math.max(worst, Math.abs(expected.get(t).asDouble() - got.get(t + 1).asDouble()));
                if (withAdapter) assertTrue(worst < 1e-4, "served with the adapter vs merged: " + worst);
                else assertTrue(worst > 1e-3, "the adapter changes the scores: " + worst);
            }
        }
    }

    @Test
    void tokenizesAsTheModelDoes() throws Exception {
        int[] ids = model.tokenizer().encode("Once upon a time", true);
        Reply t = post(server, "/tokenize", "{\"prompt\": \"Once upon a time\"}");
        assertEquals(JSON.valueToTree(ids), t.body().get("tokens"));
        Reply plain = post(server, "/tokenize", "{\"prompt\": \"Once upon a time\", \"add_special_tokens\": false}");
        assertEquals(JSON.valueToTree(model.tokenizer().encode("Once upon a time", false)), plain.body().get("tokens"));
        assertEquals("Once upon a time", post(server, "/detokenize", "{\"tokens\": " + JSON.writeValueAsString(ids) + "}").body().get("prompt").asText());
        HttpResponse<String> info = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/tokenizer_info")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(JSON.readTree(info.body()).has("eos_token"));
        assertError(post(server, "/tokenize", "{\"prompt\": 5}"), 400, "prompt");
    }

    @Test
    void chatAnswersAsGenerateDoesPlainAndStreamed() throws Exception {
        Reply plain = post(server, "/v1/chat/completions", chatBody("Tell me a story about a cat.", 24, 0, null, false));
        assertEquals(200, plain.status(), plain.raw());
        String content = plain.body().at("/choices/0/message/content").asText();
        assertFalse(content.isEmpty());
        assertEquals("assistant", plain.body().at("/choices/0/message/role").asText());
        int promptTokens = new ChatEncoder(model.tokenizer(), model.template()).promptIds(List.of(ChatMessage.user("Tell me a story about a cat."))).length;
        JsonNode usage = plain.body().get("usage");
        assertEquals(promptTokens, usage.get("prompt_tokens").asInt());
        assertEquals(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt(), usage.get("total_tokens").asInt());
        assertTrue(usage.get("completion_tokens").asInt() >= 1 && usage.get("completion_tokens").asInt() <= 24);

        // the same greedy reply from the batch generator behind `mutual generate --chat`
        CliRun gen = CliRun.of("generate", "--model", MODEL.toString(), "--tokenizer", TOKENIZER.toString(), "--chat", "--chat-template", "chatml", "--kernels", "vector",
                "--prompt", "Tell me a story about a cat.", "--max-new-tokens", "24");
        assertEquals(0, gen.code(), gen.err());
        assertEquals(gen.out().substring(0, gen.out().length() - 1), content);

        Reply streamed = post(server, "/v1/chat/completions", chatBody("Tell me a story about a cat.", 24, 0, null, true));
        assertEquals(200, streamed.status());
        assertTrue(streamed.response().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        StringBuilder text = new StringBuilder();
        List<String> events = events(streamed.raw());
        assertEquals("[DONE]", events.get(events.size() - 1));
        JsonNode last = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = JSON.readTree(e);
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            text.append(chunk.at("/choices/0/delta/content").asText(""));
            last = chunk;
        }
        assertEquals(content, text.toString());
        assertEquals(plain.body().at("/choices/0/finish_reason").asText(), last.at("/choices/0/finish_reason").asText());
        assertEquals(usage, last.get("usage"));
    }

    static List<String> events(String raw) {
        List<String> out = new ArrayList<>();
        for (String block : raw.split("\n\n")) {
            if (block.isBlank()) continue;
            assertTrue(block.startsWith("data: "), block);
            out.add(block.substring("data: ".length()));
        }
        return out;
    }

    @Test
    void stopStringsCutTheReply() throws Exception {
        Reply full = post(server, "/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 30, \"temperature\": 0}");
        String text = full.body().at("/choices/0/text").asText();
        String stop = text.substring(8, 11);
        Reply cut = post(server, "/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 30, \"temperature\": 0, \"stop\": ["
                + JSON.writeValueAsString(stop) + "]}");
        assertEquals(text.substring(0, text.indexOf(stop)), cut.body().at("/choices/0/text").asText());
        assertEquals("stop", cut.body().at("/choices/0/finish_reason").asText());
        Reply streamed = post(server, "/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 30, \"temperature\": 0, \"stream\": true, \"stop\": "
                + JSON.writeValueAsString(stop) + "}");
        StringBuilder s = new StringBuilder();
        for (String e : events(streamed.raw())) if (!e.equals("[DONE]")) s.append(JSON.readTree(e).at("/choices/0/text").asText(""));
        assertEquals(text.substring(0, text.indexOf(stop)), s.toString());
    }

    @Test
    void echoedPromptLogprobsEqualMutualScore(@TempDir Path tmp) throws Exception {
        List<String[]> pairs = List.of(
                new String[] {"", "Once upon a time, there was a little girl named Lily."},
                new String[] {"Tom and his dog went to", " the park to play with a ball."},
                new String[] {"The sun was", " hot"});
        Path in = tmp.resolve("pairs.jsonl"), out = tmp.resolve("scores.jsonl");
        StringBuilder lines = new StringBuilder();
        for (String[] p : pairs) lines.append(JSON.createObjectNode().put("prompt", p[0]).put("target", p[1])).append('\n');
        Files.writeString(in, lines.toString());
        CliRun score = CliRun.of("score", "--model", MODEL.toString(), "--tokenizer", TOKENIZER.toString(), "--input", in.toString(),
                "--output", out.toString());
        assertEquals(0, score.code(), score.err());
        List<String> scored = Files.readAllLines(out);
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode expected = JSON.readTree(scored.get(i)).get("token_logprobs");
            int context = Math.max(1, model.tokenizer().encode(pairs.get(i)[0], true).length);
            int[] ids = model.tokenizer().encode(pairs.get(i)[0] + pairs.get(i)[1], true);
            // as text and as token ids (lm-evaluation-harness sends ids), echoed with no new token
            for (String prompt : List.of(JSON.writeValueAsString(pairs.get(i)[0] + pairs.get(i)[1]), JSON.writeValueAsString(ids))) {
                Reply r = post(server, "/v1/completions", "{\"prompt\": " + prompt + ", \"max_tokens\": 0, \"echo\": true, \"logprobs\": 1, \"temperature\": 0}");
                assertEquals(200, r.status(), r.raw());
                JsonNode lp = r.body().at("/choices/0/logprobs");
                JsonNode values = lp.get("token_logprobs");
                assertEquals(ids.length, values.size());
                assertTrue(values.get(0).isNull());
                assertEquals(ids.length, lp.get("tokens").size());
                assertEquals(ids.length, lp.get("text_offset").size());
                assertEquals(expected.size(), ids.length - context);
                for (int t = 0; t < expected.size(); t++) {
                    assertEquals(expected.get(t).asDouble(), values.get(context + t).asDouble(), 1e-4, "pair " + i + " token " + t);
                    // top_logprobs holds the most likely token: never below the actual token's log-prob
                    double best = Double.NEGATIVE_INFINITY;
                    for (JsonNode v : lp.get("top_logprobs").get(context + t)) best = Math.max(best, v.asDouble());
                    assertTrue(best >= values.get(context + t).asDouble() - 1e-12);
                }
                assertEquals(ids.length, r.body().at("/usage/prompt_tokens").asInt());
                assertEquals(0, r.body().at("/usage/completion_tokens").asInt());
            }
        }
    }

    @Test
    void seededSamplingDoesNotDependOnTheBatch() throws Exception {
        String a = "{\"prompt\": \"Lily had a red ball\", \"max_tokens\": 40, \"temperature\": 0.9, \"top_p\": 0.95, \"seed\": 7}";
        String alone = post(server, "/v1/completions", a).body().at("/choices/0/text").asText();
        // the same request while others of other lengths run: it joins a running batch mid-way
        List<CompletableFuture<HttpResponse<String>>> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(postAsync(server, "/v1/completions", "{\"prompt\": \"Tom saw a bird number " + i + "\", \"max_tokens\": " + (20 + 15 * i)
                    + ", \"temperature\": 1.0, \"seed\": " + i + "}"));
        }
        Thread.sleep(30);
        String crowded = post(server, "/v1/completions", a).body().at("/choices/0/text").asText();
        for (var f : others) assertEquals(200, f.get().statusCode());
        assertEquals(alone, crowded);
        // n = 3: choice 0 draws from the seed's stream, so it is the same text again; choices differ from it
        Reply three = post(server, "/v1/completions", a.replace("}", ", \"n\": 3}"));
        assertEquals(3, three.body().get("choices").size());
        assertEquals(alone, three.body().at("/choices/0/text").asText());
        // and on a server that decodes one sequence at a time
        try (BatchEngine one = new BatchEngine(model.decoder(), 1, 8); OpenAiServer s = new OpenAiServer(model, one, "127.0.0.1", 0, null, 8)) {
            s.start();
            assertEquals(alone, post(s, "/v1/completions", a).body().at("/choices/0/text").asText());
        }
    }

    @Test
    void badRequestsGet400NamingTheFieldAndTheServerKeepsServing() throws Exception {
        assertError(post(server, "/v1/chat/completions", "{not json"), 400, null);
        assertError(post(server, "/v1/chat/completions", "[1, 2]"), 400, null);
        assertError(post(server, "/v1/chat/completions", "{\"messages\": \"hi\"}"), 400, "messages");
        assertError(post(server, "/v1/chat/completions", "{\"max_tokens\": 5}"), 400, "messages");
        assertError(post(server, "/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}"), 400, "messages[0].role");
        assertError(post(server, "/v1/chat/completions", chatBody("hi", 0, 0, null, false)), 400, "max_tokens");
        assertError(post(server, "/v1/chat/completions", chatBody("hi", 5, 0, null, false).replace("\"temperature\":0.0", "\"temperature\":\"hot\"")), 400, "temperature");
        assertError(post(server, "/v1/chat/completions", chatBody("hi", 5, 0, null, false).replace("\"temperature\":0.0", "\"temperature\":7")), 400, "temperature");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"hi\", \"n\": 1.5}"), 400, "n");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"hi\", \"stop\": [1]}"), 400, "stop");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"hi\", \"seed\": \"x\"}"), 400, "seed");
        assertError(post(server, "/v1/completions", "{\"prompt\": [1, 99999]}"), 400, "prompt");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 0}"), 400, "max_tokens");
        String longText = "Once upon a time there was a girl. ".repeat(120);
        Reply tooLong = post(server, "/v1/completions", "{\"prompt\": \"" + longText + "\", \"max_tokens\": 0, \"echo\": true}");
        assertError(tooLong, 400, "prompt");
        assertEquals("context_length_exceeded", tooLong.body().at("/error/code").asText());
        assertError(post(server, "/v1/chat/completions", chatBody(longText, 5, 0, null, false)), 400, "messages");
        assertError(post(server, "/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 600}"), 400, "max_tokens");
        assertEquals(404, post(server, "/v1/embeddings", "{}").status());
        // still serving
        assertEquals(200, post(server, "/v1/chat/completions", chatBody("hi", 3, 0, null, false)).status());
    }

    private static void assertError(Reply r, int status, String param) {
        assertEquals(status, r.status(), r.raw());
        JsonNode e = r.body().get("error");
        assertNotNull(e, r.raw());
        assertEquals("invalid_request_error", e.get("type").asText());
        assertFalse(e.get("message").asText().isBlank());
        if (param == null) assertTrue(e.get("param").isNull(), r.raw());
        else assertEquals(param, e.get("param").asText(), r.raw());
    }

    @Test
    void aFullQueueAnswers429WithRetryAfter() throws Exception {
        try (BatchEngine small = new BatchEngine(model.decoder(), 1, 1); OpenAiServer s = new OpenAiServer(model, small, "127.0.0.1", 0, null, 8)) {
            s.start();
            String slow = "{\"prompt\": \"Once\", \"max_tokens\": 500, \"temperature\": 1.0, \"seed\": 1}";
            CompletableFuture<HttpResponse<String>> running = postAsync(s, "/v1/completions", slow);
            while (small.running() < 1) Thread.sleep(5); // the first is in the batch
            CompletableFuture<HttpResponse<String>> queued = postAsync(s, "/v1/completions", slow);
            while (small.waiting() < 1 && !queued.isDone()) Thread.sleep(5);
            Reply refused = post(s, "/v1/completions", slow);
            assertEquals(429, refused.status(), refused.raw());
            assertEquals("1", refused.response().headers().firstValue("Retry-After").orElse(null));
            assertEquals("rate_limit_exceeded", refused.body().at("/error/type").asText());
            assertEquals(200, running.get().statusCode());
            assertEquals(200, queued.get().statusCode());
            assertEquals(200, post(s, "/v1/completions", slow.replace("500", "3")).status());
        }
    }

    @Test
    void aModelComputingNaNAnswers500AndTheServerGoesOn(@TempDir Path tmp) throws Exception {
        var w = ScriptedReplyModel.verdictWeights(512, 10, 11);
        w.lmHead()[10 * 8] = Float.NaN;
        Path dir = tmp.resolve("nan");
        dev.mutual.trainer.checkpoint.HfCheckpoint.save(dir, w, List.of(TOKENIZER));
        try (ServedModel m = ServedModel.open(dir, null, null, "chatml", null, 1);
             BatchEngine e = new BatchEngine(m.decoder(), 2, 4); OpenAiServer s = new OpenAiServer(m, e, "127.0.0.1", 0, null, 4)) {
            s.start();
            for (int i = 0; i < 2; i++) {
                Reply r = post(s, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 3}");
                assertEquals(500, r.status(), r.raw());
                assertEquals("server_error", r.body().at("/error/type").asText());
                assertTrue(r.body().at("/error/message").asText().contains("non-finite"), r.raw());
            }
            // echo without new tokens never reads the NaN row's argmax, and still works
            Reply echo = post(s, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 0, \"echo\": true}");
            assertEquals(200, echo.status(), echo.raw());
        }
    }

    @Test
    void anApiKeyIsRequiredWhenSet() throws Exception {
        try (OpenAiServer s = new OpenAiServer(model, engine, "127.0.0.1", 0, "s3cret-key", 8)) {
            s.start();
            String body = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
            Reply none = post(s, "/v1/completions", body);
            assertEquals(401, none.status());
            assertEquals("invalid_api_key", none.body().at("/error/code").asText());
            assertFalse(none.raw().contains("s3cret"));
            assertEquals(401, post(s, "/v1/completions", body, "Bearer s3cret-kez").status());
            assertEquals(401, post(s, "/v1/completions", body, "Bearer s3cret-key-longer").status());
            assertEquals(200, post(s, "/v1/completions", body, "Bearer s3cret-key").status());
            HttpResponse<String> models = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, models.statusCode());
        }
    }
}
