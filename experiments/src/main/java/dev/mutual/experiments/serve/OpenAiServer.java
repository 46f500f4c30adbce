package dev.mutual.experiments.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.inference.Sampler;
import dev.mutual.trainer.inference.TemperatureSampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible HTTP API over a {@link BatchEngine}, on the JDK's own HTTP server:
 * {@code GET /v1/models}, {@code POST /v1/chat/completions} (the model's chat template; {@code stream} as
 * server-sent events) and {@code POST /v1/completions} (with {@code logprobs} and {@code echo}, what
 * lm-evaluation-harness's {@code local-completions} model uses for log-likelihoods). Every reply carries
 * {@code usage}. A refused request gets OpenAI's error body; the server itself never stops on a request.
 *
 * <p>Each HTTP request runs on a thread of its own and waits for the engine, which batches all of them; a full
 * engine queue is answered at once with 429 and {@code Retry-After}.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpenAiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bodies above this are refused (413) before they are parsed. */
    private static final int MAX_BODY = 16 << 20;
    /** What /v1/models says owns the model: judge clients recognise an offline Mutual judge by it. */
    public static final String OWNER = dev.mutual.eval.judge.OpenAiChatClient.MUTUAL_SERVE_OWNER;

    private final ServedModel model;
    private final BatchEngine engine;
    private final byte[] expectedAuth;
    private final HttpServer http;
    private final ExecutorService threads;
    private final SecureRandom seeds = new SecureRandom();
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param apiKey the key every request must send as {@code Authorization: Bearer KEY}, or null for none
     * @param port   0 for any free port
     */
    public OpenAiServer(ServedModel model, BatchEngine engine, String host, int port, String apiKey, int handlerThreads) throws IOException {
        this.model = model;
        this.engine = engine;
        this.expectedAuth = apiKey == null ? null : ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
        this.http = HttpServer.create(new InetSocketAddress(host, port), 128);
        this.threads = Executors.newFixedThreadPool(handlerThreads, r -> {
            Thread t = new Thread(r, "mutual-serve-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(threads);
        http.createContext("/", this::handle);
    }

    public void start() {
        http.start();
    }

    /** The port it listens on (the one chosen when 0 was asked). */
    public int port() {
        return http.getAddress().getPort();
    }

    public String host() {
        return http.getAddress().getHostString();
    }

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        int status;
        inFlight.incrementAndGet();
        try {
            status = route(ex, path);
        } catch (ApiError e) {
            status = sendError(ex, e);
        } catch (RuntimeException e) {
            log.error("{} {}: {}", ex.getRequestMethod(), path, e.toString(), e);
            status = sendError(ex, new ApiError(500, "server_error", null, null, "internal error: " + e.getMessage()));
        } catch (IOException e) {
            status = -1; // the client went away
        } finally {
            inFlight.decrementAndGet();
            ex.close();
        }
        log.info("{} {} -> {} in {} ms", ex.getRequestMethod(), path, status < 0 ? "client gone" : status,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private int route(HttpExchange ex, String path) throws IOException {
        while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        if (path.equals("/health")) return send(ex, 200, JSON.createObjectNode().put("status", "ok"));
        checkKey(ex);
        String method = ex.getRequestMethod();
        switch (path) {
            case "/v1/models" -> {
                requireMethod(method, "GET");
                return send(ex, 200, models());
            }
            case "/v1/chat/completions" -> {
                requireMethod(method, "POST");
                return chat(ex, readBody(ex));
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST");
                return completions(ex, readBody(ex));
            }
            case "/tokenizer_info", "/v1/tokenizer_info" -> {
                requireMethod(method, "GET");
                return send(ex, 200, tokenizerInfo());
            }
            case "/tokenize", "/v1/tokenize" -> {
                requireMethod(method, "POST");
                return send(ex, 200, tokenize(readBody(ex)));
            }
            case "/detokenize", "/v1/detokenize" -> {
                requireMethod(method, "POST");
                return send(ex, 200, detokenize(readBody(ex)));
            }
            default -> throw new ApiError(404, "invalid_request_error", null, "unknown_url",
                    "no such endpoint: " + method + " " + path + " (this server has /v1/models, /v1/chat/completions, /v1/completions, "
                            + "/tokenize, /detokenize, /tokenizer_info)");
        }
    }

    private static void requireMethod(String method, String want) {
        if (!method.equals(want)) throw new ApiError(405, "invalid_request_error", null, "method_not_allowed", "use " + want + ", not " + method);
    }

    /** The Authorization header against the key, in constant time; neither is ever logged. */
    private void checkKey(HttpExchange ex) {
        if (expectedAuth == null) return;
        String got = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = got == null ? new byte[0] : got.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expectedAuth, given)) {
            throw new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    "missing or wrong API key: send the header 'Authorization: Bearer KEY'");
        }
    }

    private static JsonNode readBody(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) throw new ApiError(413, "invalid_request_error", null, "body_too_large", "request body over " + MAX_BODY + " bytes");
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw ApiError.invalid(null, "invalid_json", "the body must be a JSON object");
        JsonNode m = root.get("model");
        if (m != null && !m.isNull() && !m.isTextual()) throw ApiError.invalid("model", "'model' must be a string, found " + m);
        return root;
    }

    private ObjectNode models() {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        root.putArray("data").addObject()
                .put("id", model.name())
                .put("object", "model")
                .put("created", created)
                .put("owned_by", OWNER)
                .put("max_model_len", model.contextLength());
        return root;
    }

    // ---------------------------------------------------------------- tokenizer (vLLM's endpoints, which
    // lm-evaluation-harness's remote tokenizer backend uses)

    private ObjectNode tokenizerInfo() {
        TextTokenizer tok = model.tokenizer();
        ObjectNode o = JSON.createObjectNode();
        putOrNull(o, "bos_token", tok.bosToken().orElse(null));
        putOrNull(o, "eos_token", tok.eosToken().orElse(null));
        o.putNull("pad_token");
        o.put("model_max_length", model.contextLength());
        o.put("tokenizer_class", tok.getClass().getSimpleName());
        return o;
    }

    private static void putOrNull(ObjectNode o, String key, String value) {
        if (value == null) o.putNull(key);
        else o.put(key, value);
    }

    /** {"prompt": TEXT, "add_special_tokens": true} or {"messages": [...]} (the chat template's prompt) -> {"tokens", "count"}. */
    private ObjectNode tokenize(JsonNode o) {
        int[] ids;
        if (Fields.present(o, "messages")) {
            if (model.template() == null) throw ApiError.invalid("messages", "model_has_no_chat_template", "the model has no chat template");
            try {
                ids = new ChatEncoder(model.tokenizer(), model.template()).promptIds(messages(o));
            } catch (UserInputException | IllegalArgumentException e) {
                throw ApiError.invalid("messages", "the chat template refused the messages: " + e.getMessage());
            }
        } else {
            String text = Fields.string(o, "prompt");
            if (text == null) throw ApiError.invalid("prompt", "'prompt' (a string) or 'messages' is required");
            ids = model.tokenizer().encode(text, Fields.bool(o, "add_special_tokens", true));
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("tokens");
        for (int id : ids) arr.add(id);
        out.put("count", ids.length);
        out.put("max_model_len", model.contextLength());
        return out;
    }

    private ObjectNode detokenize(JsonNode o) {
        JsonNode t = o.get("tokens");
        if (t == null || !t.isArray()) throw ApiError.invalid("tokens", "'tokens' must be an array of token ids");
        int[] ids = new int[t.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!t.get(i).isIntegralNumber() || !t.get(i).canConvertToInt()) throw ApiError.invalid("tokens", "'tokens[" + i + "]' must be a token id");
            ids[i] = t.get(i).intValue();
        }
        checkIds(ids, "tokens");
        return JSON.createObjectNode().put("prompt", model.tokenizer().decode(ids));
    }

    /** Sampling settings shared by both endpoints. */
    private record Sampling(Sampler sampler, long seed, int n, List<String> stops) {}

    private Sampling sampling(JsonNode o) {
        double temperature = Fields.number(o, "temperature", 1, 0, 2, false);
        double topP = Fields.number(o, "top_p", 1, 0, 1, true);
        int n = Fields.integer(o, "n", 1, 1, 16);
        List<String> stops = Fields.stops(o);
        Long seed = Fields.seed(o);
        Sampler sampler = temperature == 0 ? Sampler.ARGMAX : new TemperatureSampler(temperature, 0, topP);
        return new Sampling(sampler, seed != null ? seed : seeds.nextLong(), n, stops);
    }

    // ---------------------------------------------------------------- chat

    private int chat(HttpExchange ex, JsonNode o) throws IOException {
        if (model.template() == null) {
            throw ApiError.invalid("messages", "model_has_no_chat_template", "the model " + model.name() + " has no chat template; "
                    + "restart serve with --chat-template NAME (or use /v1/completions)");
        }
        List<ChatMessage> messages = messages(o);
        TextTokenizer tok = model.tokenizer();
        int[] prompt;
        try {
            prompt = new ChatEncoder(tok, model.template()).promptIds(messages);
        } catch (UserInputException | IllegalArgumentException e) {
            throw ApiError.invalid("messages", "the chat template refused the messages: " + e.getMessage());
        }
        checkIds(prompt, "messages");
        int context = model.contextLength();
        if (prompt.length >= context) {
            throw ApiError.invalid("messages", "context_length_exceeded", "the messages are " + prompt.length
                    + " tokens; this model reads at most " + context + " positions, which leaves no room for a reply");
        }
        String maxKey = Fields.present(o, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int maxTokens = Fields.integer(o, maxKey, context - prompt.length, 1, Integer.MAX_VALUE);
        if (prompt.length + maxTokens > context) {
            throw ApiError.invalid(maxKey, "context_length_exceeded", "the messages (" + prompt.length + " tokens) + " + maxKey + " "
                    + maxTokens + " exceed the model's " + context + " positions; ask for at most " + (context - prompt.length));
        }
        Sampling s = sampling(o);
        boolean logprobs = Fields.bool(o, "logprobs", false);
        int topLogprobs = Fields.integer(o, "top_logprobs", 0, 0, 20);
        if (topLogprobs > 0 && !logprobs) throw ApiError.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        boolean stream = Fields.bool(o, "stream", false);
        if (stream && logprobs) throw ApiError.invalid("logprobs", "logprobs are not streamed by this server; ask without 'stream'");
        BlockingQueue<Choice.Event> events = stream ? new LinkedBlockingQueue<>() : null;
        CountDownLatch done = new CountDownLatch(s.n());
        List<Choice> choices = new ArrayList<>();
        List<BatchEngine.Job> jobs = new ArrayList<>();
        for (int i = 0; i < s.n(); i++) {
            Choice c = new Choice(i, tok, prompt, s.stops(), events, done);
            choices.add(c);
            jobs.add(new BatchEngine.Job(prompt, maxTokens, s.sampler(), s.seed() + i, model.chatStopIds(),
                    logprobs ? topLogprobs : -1, -1, c));
        }
        submit(jobs);
        String id = "chatcmpl-" + UUID.randomUUID();
        long now = System.currentTimeMillis() / 1000;
        if (stream) {
            return streamOut(ex, events, choices, prompt.length, id, now, true);
        }
        await(done, choices);
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", now)
                .put("model", model.name()).put("system_fingerprint", OWNER);
        ArrayNode arr = root.putArray("choices");
        int completion = 0;
        for (Choice c : choices) {
            ObjectNode ch = arr.addObject().put("index", c.index);
            ch.putObject("message").put("role", "assistant").put("content", c.text);
            if (logprobs) {
                ArrayNode content = ch.putObject("logprobs").putArray("content");
                List<String> pieces = pieces(c.ids, null);
                for (int t = 0; t < pieces.size(); t++) {
                    ObjectNode e = content.addObject().put("token", pieces.get(t)).put("logprob", c.logprobs.get(t));
                    bytes(e, pieces.get(t));
                    ArrayNode alts = e.putArray("top_logprobs");
                    BatchEngine.Top top = c.tops.get(t);
                    if (top != null) {
                        for (int k = 0; k < top.ids().length; k++) {
                            String p = piece(top.ids()[k]);
                            ObjectNode a = alts.addObject().put("token", p).put("logprob", top.logprobs()[k]);
                            bytes(a, p);
                        }
                    }
                }
            } else {
                ch.putNull("logprobs");
            }
            ch.put("finish_reason", c.finish);
            completion += c.completionTokens;
        }
        usage(root, prompt.length, completion);
        return send(ex, 200, root);
    }

    private static void bytes(ObjectNode e, String piece) {
        ArrayNode b = e.putArray("bytes");
        for (byte x : piece.getBytes(StandardCharsets.UTF_8)) b.add(x & 0xff);
    }

    private static List<ChatMessage> messages(JsonNode o) {
        JsonNode m = o.get("messages");
        if (m == null || m.isNull()) throw ApiError.invalid("messages", "'messages' is required: an array of {\"role\", \"content\"}");
        if (!m.isArray() || m.isEmpty()) throw ApiError.invalid("messages", "'messages' must be a non-empty array of {\"role\", \"content\"}, found " + abbreviate(m));
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode msg = m.get(i);
            String where = "messages[" + i + "]";
            if (!msg.isObject()) throw ApiError.invalid(where, "'" + where + "' must be an object with 'role' and 'content'");
            JsonNode role = msg.get("role");
            if (role == null || !role.isTextual()) throw ApiError.invalid(where + ".role", "'" + where + ".role' must be a string");
            ChatMessage.Role r = switch (role.textValue()) {
                case "system", "developer" -> ChatMessage.Role.SYSTEM;
                case "user" -> ChatMessage.Role.USER;
                case "assistant" -> ChatMessage.Role.ASSISTANT;
                default -> throw ApiError.invalid(where + ".role", "'" + where + ".role' must be system, developer, user or assistant, found '"
                        + role.textValue() + "'");
            };
            out.add(new ChatMessage(r, content(msg.get("content"), where + ".content")));
        }
        return out;
    }

    /** A message's text: a string, or an array of {"type": "text", "text": ...} parts (joined). */
    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.textValue();
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid(where, "'" + where + "' parts must be {\"type\": \"text\", \"text\": STRING}; this server reads text only");
                }
                sb.append(part.get("text").textValue());
            }
            return sb.toString();
        }
        throw ApiError.invalid(where, "'" + where + "' must be a string or an array of text parts, found " + abbreviate(c));
    }

    // ---------------------------------------------------------------- completions

    private int completions(HttpExchange ex, JsonNode o) throws IOException {
        List<int[]> prompts = new ArrayList<>();
        List<String> promptTexts = new ArrayList<>();
        readPrompts(o, prompts, promptTexts);
        boolean echo = Fields.bool(o, "echo", false);
        int maxTokens = Fields.integer(o, "max_tokens", 16, 0, Integer.MAX_VALUE);
        if (maxTokens == 0 && !echo) throw ApiError.invalid("max_tokens", "'max_tokens' must be >= 1 (0 only with 'echo': true)");
        int logprobs = Fields.integer(o, "logprobs", -1, 0, 20);
        Sampling s = sampling(o);
        boolean stream = Fields.bool(o, "stream", false);
        if (stream && (logprobs >= 0 || echo)) throw ApiError.invalid(echo ? "echo" : "logprobs", "'logprobs' and 'echo' are not streamed by this server; ask without 'stream'");
        int context = model.contextLength();
        int promptTokens = 0;
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            promptTokens += p.length;
            if (p.length + maxTokens > context || p.length > context) {
                throw ApiError.invalid(maxTokens == 0 || p.length >= context ? "prompt" : "max_tokens", "context_length_exceeded",
                        "prompt " + i + " is " + p.length + " tokens; with max_tokens " + maxTokens + " that exceeds the model's "
                                + context + " positions");
            }
        }
        BlockingQueue<Choice.Event> events = stream ? new LinkedBlockingQueue<>() : null;
        CountDownLatch done = new CountDownLatch(prompts.size() * s.n());
        List<Choice> choices = new ArrayList<>();
        List<BatchEngine.Job> jobs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (int j = 0; j < s.n(); j++) {
                int[] p = prompts.get(i);
                Choice c = new Choice(i * s.n() + j, model.tokenizer(), p, s.stops(), events, done);
                choices.add(c);
                // echo's prompt logprobs are computed once per prompt, on its first choice
                jobs.add(new BatchEngine.Job(p, maxTokens, s.sampler(), s.seed() + j, model.model().eosTokenIds(),
                        logprobs, echo && logprobs >= 0 && j == 0 ? logprobs : -1, c));
            }
        }
        submit(jobs);
        String id = "cmpl-" + UUID.randomUUID();
        long now = System.currentTimeMillis() / 1000;
        if (stream) return streamOut(ex, events, choices, promptTokens, id, now, false);
        await(done, choices);
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", "text_completion").put("created", now)
                .put("model", model.name()).put("system_fingerprint", OWNER);
        ArrayNode arr = root.putArray("choices");
        int completion = 0;
        for (Choice c : choices) {
            int promptIndex = c.index / s.n();
            int[] p = prompts.get(promptIndex);
            String promptText = promptTexts.get(promptIndex);
            ObjectNode ch = arr.addObject().put("index", c.index);
            ch.put("text", echo ? promptText + c.text : c.text);
            if (logprobs >= 0) {
                Choice first = choices.get(promptIndex * s.n());
                ch.set("logprobs", completionLogprobs(c, echo ? p : null, echo ? first : null, logprobs));
            } else {
                ch.putNull("logprobs");
            }
            ch.put("finish_reason", c.finish);
            completion += c.completionTokens;
        }
        usage(root, promptTokens, completion);
        return send(ex, 200, root);
    }

    /** 'prompt': a string, an array of strings, an array of token ids, or an array of such arrays. */
    private void readPrompts(JsonNode o, List<int[]> ids, List<String> texts) {
        JsonNode p = o.get("prompt");
        if (p == null || p.isNull()) throw ApiError.invalid("prompt", "'prompt' is required: a string, an array of strings or token id arrays");
        if (p.isTextual()) {
            addText(p.textValue(), ids, texts);
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            addIds(p, "prompt", ids, texts);
        } else if (p.isArray() && !p.isEmpty()) {
            for (int i = 0; i < p.size(); i++) {
                JsonNode e = p.get(i);
                if (e.isTextual()) addText(e.textValue(), ids, texts);
                else if (e.isArray()) addIds(e, "prompt[" + i + "]", ids, texts);
                else throw ApiError.invalid("prompt", "'prompt[" + i + "]' must be a string or an array of token ids, found " + abbreviate(e));
            }
        } else {
            throw ApiError.invalid("prompt", "'prompt' must be a non-empty string, array of strings or token id arrays, found " + abbreviate(p));
        }
        if (ids.size() > 256) throw ApiError.invalid("prompt", "at most 256 prompts per request, found " + ids.size());
    }

    private void addText(String text, List<int[]> ids, List<String> texts) {
        int[] p = model.tokenizer().encode(text, true);
        if (p.length == 0) p = new int[] {model.model().startToken()};
        checkIds(p, "prompt");
        ids.add(p);
        texts.add(text);
    }

    private void addIds(JsonNode arr, String where, List<int[]> ids, List<String> texts) {
        if (arr.isEmpty()) throw ApiError.invalid("prompt", "'" + where + "' is an empty token array");
        int[] p = new int[arr.size()];
        for (int i = 0; i < p.length; i++) {
            JsonNode v = arr.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiError.invalid("prompt", "'" + where + "[" + i + "]' must be a token id, found " + v);
            p[i] = v.intValue();
        }
        checkIds(p, "prompt");
        ids.add(p);
        texts.add(model.tokenizer().decode(p));
    }

    private void checkIds(int[] ids, String param) {
        int vocab = model.model().weights().config().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) throw ApiError.invalid(param, "token id " + id + " is outside the model's vocabulary 0.." + (vocab - 1));
        }
    }

    /**
     * OpenAI's legacy logprobs object: tokens, token_logprobs, top_logprobs (token text to logprob) and text_offset,
     * for the prompt first when echoed (its first token has no logprob: null), then the new tokens.
     */
    private ObjectNode completionLogprobs(Choice c, int[] echoPrompt, Choice promptScores, int k) {
        ObjectNode lp = JSON.createObjectNode();
        ArrayNode tokens = lp.putArray("tokens"), values = lp.putArray("token_logprobs"), tops = lp.putArray("top_logprobs"),
                offsets = lp.putArray("text_offset");
        int offset = 0;
        List<Integer> all = new ArrayList<>();
        if (echoPrompt != null) {
            for (int id : echoPrompt) all.add(id);
            List<String> pieces = pieces(all, null);
            for (int i = 0; i < echoPrompt.length; i++) {
                tokens.add(pieces.get(i));
                offsets.add(offset);
                offset += pieces.get(i).length();
                if (i == 0) {
                    values.addNull();
                    tops.addNull();
                } else {
                    values.add(promptScores.promptLogprobs[i]);
                    tops.add(topObject(promptScores.promptTops[i], echoPrompt[i], promptScores.promptLogprobs[i], k));
                }
            }
        }
        List<String> pieces = pieces(c.ids, echoPrompt);
        for (int t = 0; t < c.ids.size(); t++) {
            tokens.add(pieces.get(t));
            offsets.add(offset);
            offset += pieces.get(t).length();
            values.add(c.logprobs.get(t));
            tops.add(topObject(c.tops.get(t), c.ids.get(t), c.logprobs.get(t), k));
        }
        return lp;
    }

    /** {token text: logprob} of the top k; OpenAI's legacy form (k = 0: just the token itself). */
    private ObjectNode topObject(BatchEngine.Top top, int id, double lp, int k) {
        ObjectNode o = JSON.createObjectNode();
        if (top == null || k == 0) {
            o.put(piece(id), lp);
            return o;
        }
        for (int i = 0; i < top.ids().length; i++) {
            String p = piece(top.ids()[i]);
            if (!o.has(p)) o.put(p, top.logprobs()[i]);
        }
        return o;
    }

    private String piece(int id) {
        return model.tokenizer().decode(new int[] {id}, false);
    }

    /** The text each of {@code ids} adds after {@code before} (and the ids before it), so the pieces join to the text. */
    private List<String> pieces(List<Integer> ids, int[] before) {
        TextTokenizer tok = model.tokenizer();
        List<Integer> seq = new ArrayList<>();
        if (before != null) for (int id : before) seq.add(id);
        String prev = tok.decode(Choice.toInts(seq));
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            seq.add(id);
            String now = tok.decode(Choice.toInts(seq));
            out.add(now.startsWith(prev) ? now.substring(prev.length()) : piece(id));
            prev = now;
        }
        return out;
    }

    // ---------------------------------------------------------------- shared

    private void submit(List<BatchEngine.Job> jobs) {
        if (!engine.submit(jobs)) {
            throw new ApiError(429, "rate_limit_exceeded", null, "queue_full", "the server's queue is full ("
                    + engine.waiting() + " sequences waiting); retry after a second");
        }
    }

    private static void await(CountDownLatch done, List<Choice> choices) {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            for (Choice c : choices) c.cancelled = true;
            throw new ApiError(503, "server_error", null, null, "the server is shutting down");
        }
        for (Choice c : choices) {
            if (c.error != null) throw new ApiError(500, "server_error", null, null, "generation failed: " + c.error.getMessage());
        }
    }

    /** Server-sent events: one chunk per piece of text, a last chunk with the finish reason and usage, then [DONE]. */
    private int streamOut(HttpExchange ex, BlockingQueue<Choice.Event> events, List<Choice> choices, int promptTokens,
                          String id, long now, boolean chat) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            if (chat) {
                for (Choice c : choices) {
                    ObjectNode first = chunk(id, now, true);
                    first.withArray("choices").addObject().put("index", c.index).putNull("finish_reason")
                            .putObject("delta").put("role", "assistant").put("content", "");
                    event(out, first);
                }
            }
            int open = choices.size();
            while (open > 0) {
                Choice.Event e;
                try {
                    e = events.poll(1, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                if (e == null) continue;
                if (e.error() != null) {
                    ObjectNode err = JSON.createObjectNode();
                    err.putObject("error").put("message", "generation failed: " + e.error().getMessage()).put("type", "server_error");
                    event(out, err);
                    open--;
                    continue;
                }
                ObjectNode c = chunk(id, now, chat);
                ObjectNode ch = c.withArray("choices").addObject().put("index", e.index());
                if (chat) ch.putObject("delta").put("content", e.delta());
                else ch.put("text", e.delta()).putNull("logprobs");
                ch.put("finish_reason", e.finish());
                if (e.finish() != null) open--;
                if (open == 0) {
                    int completion = 0;
                    for (Choice x : choices) completion += x.completionTokens;
                    usage(c, promptTokens, completion);
                }
                event(out, c);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            for (Choice c : choices) c.cancelled = true;
            throw e;
        }
        return 200;
    }

    private ObjectNode chunk(String id, long now, boolean chat) {
        return JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
                .put("created", now).put("model", model.name()).put("system_fingerprint", OWNER);
    }

    private static void event(OutputStream out, ObjectNode o) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(o) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void usage(ObjectNode root, int prompt, int completion) {
        root.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
    }

    private static int send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    private static int sendError(HttpExchange ex, ApiError e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error").put("message", e.getMessage()).put("type", e.type);
        if (e.param == null) err.putNull("param");
        else err.put("param", e.param);
        if (e.code == null) err.putNull("code");
        else err.put("code", e.code);
        if (e.status == 429) ex.getResponseHeaders().set("Retry-After", "1");
        if (e.status == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        try {
            return send(ex, e.status, root);
        } catch (IOException io) {
            return -1;
        }
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Requests being answered now. */
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public void close() {
        http.stop(0);
        threads.shutdownNow();
    }
}
