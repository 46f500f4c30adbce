package dev.mutual.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real OpenAI-style chat-completions server on 127.0.0.1 (port chosen by the OS) for tests. Each request is
 * answered by a test-supplied function of the request; the server records every request it received.
 */
public final class LoopbackJudgeServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A received request: its number (0-based), arrival time, Authorization header and JSON body. */
    public record Request(int number, long nanoTime, String authorization, JsonNode body) {
        /** Content of the last message with this role. */
        public String message(String role) {
            String found = null;
            for (JsonNode m : body.path("messages")) if (m.path("role").asText().equals(role)) found = m.path("content").asText();
            return found;
        }
    }

    /** What to answer: HTTP status, body, extra headers and a delay before answering. */
    public record Response(int status, String body, Map<String, String> headers, long delayMillis) {
        public static Response chat(String content) {
            return new Response(200, chatBody(content, null), Map.of(), 0);
        }

        public static Response status(int status) {
            return new Response(status, "{\"error\": {\"message\": \"status " + status + "\"}}", Map.of(), 0);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    public LoopbackJudgeServer(Function<Request, Response> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            Request request;
            synchronized (requests) {
                request = new Request(requests.size(), System.nanoTime(), exchange.getRequestHeaders().getFirst("Authorization"),
                        JSON.readTree(exchange.getRequestBody()));
                requests.add(request);
            }
            Response r = answer.apply(request);
            try {
                if (r.delayMillis() > 0) Thread.sleep(r.delayMillis());
                byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
                r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(r.status(), bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (InterruptedException | IOException clientGone) {
                exchange.close();
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    /** The base URL to give the client: {@code http://127.0.0.1:PORT/v1}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** A chat-completions body with one choice; {@code topLogprobs} (token -> logprob) for the first token, or null. */
    public static String chatBody(String content, Map<String, Double> topLogprobs) {
        var root = JSON.createObjectNode();
        root.put("id", "chatcmpl-test").put("object", "chat.completion");
        var choice = root.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        if (topLogprobs != null) {
            var alternatives = choice.putObject("logprobs").putArray("content").addObject().put("token", content).put("logprob", 0.0)
                    .putArray("top_logprobs");
            topLogprobs.forEach((token, lp) -> alternatives.addObject().put("token", token).put("logprob", lp));
        }
        return root.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
