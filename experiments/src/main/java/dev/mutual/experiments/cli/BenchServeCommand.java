package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.UserInputException;
import dev.mutual.experiments.serve.BatchEngine;
import dev.mutual.experiments.serve.OpenAiServer;
import dev.mutual.experiments.serve.ServedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code mutual bench serve}: a load test of {@code mutual serve} on loopback, bounded in requests and time. The
 * server runs in this process on a free port; {@code --clients} clients each send completion requests one after
 * the other until {@code --requests} have been sent. Then one client alone sends {@code --single} requests (the
 * batch-1 figure). Prints one JSON line per phase: requests, failures, p50/p99 latency, aggregate tokens/s.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Load test of the OpenAI-compatible server on loopback: N concurrent clients, latency percentiles, tokens/s.")
final class BenchServeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "PATH", description = "Model to serve (as for mutual serve).")
    Path model;
    @Range(min = 8)
    @Option(names = "--random-dim", paramLabel = "D",
            description = "Instead of --model: a random-weight model with hidden size D (llama2.c's stories15M shape at 288: 6 layers, 6 heads, "
                    + "ffn 768) and the vocabulary of --tokenizer, written to a temporary folder.")
    Integer randomDim;
    @Range(min = 1)
    @Option(names = "--random-layers", defaultValue = "6", description = "Layers of the --random-dim model (default: ${DEFAULT-VALUE}).")
    int randomLayers;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Tokenizer (default: the model's).")
    Path tokenizer;
    @Range(min = 1)
    @Option(names = "--clients", defaultValue = "32", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;
    @Range(min = 1)
    @Option(names = "--requests", defaultValue = "256", description = "Requests in the concurrent phase (default: ${DEFAULT-VALUE}).")
    int requests;
    @Range(min = 0)
    @Option(names = "--single", defaultValue = "16", description = "Requests sent by one client alone afterwards (default: ${DEFAULT-VALUE}; 0 = skip).")
    int single;
    @Range(min = 1)
    @Option(names = "--max-tokens", defaultValue = "64", description = "max_tokens of every request (default: ${DEFAULT-VALUE}).")
    int maxTokens;
    @Range(min = 1)
    @Option(names = "--max-batch", defaultValue = "32", description = "The server's --max-batch (default: ${DEFAULT-VALUE}).")
    int maxBatch;
    @Range(min = 1)
    @Option(names = "--queue", defaultValue = "64", description = "The server's --queue (default: ${DEFAULT-VALUE}).")
    int queue;
    @Range(min = 1)
    @Option(names = "--threads", defaultValue = "2", description = "Threads for the matrix products (default: ${DEFAULT-VALUE}).")
    int threads;
    @Range(min = 1)
    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", description = "Stop the test after this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] PROMPTS = {"Once upon a time", "Lily and Tom went to the park", "The little dog was sad because",
            "One day, a big bird", "Mom said", "There was a tree"};

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (randomDim == null)) throw new UserInputException("give --model PATH or --random-dim D (with --tokenizer)");
        Path served = model;
        Path tmp = null;
        String config = model == null ? null : model.toString();
        if (randomDim != null) {
            if (tokenizer == null) throw new UserInputException("--random-dim needs --tokenizer FILE (its vocabulary sizes the model)");
            if (randomDim < 8 || randomDim % 8 != 0) throw new UserInputException("--random-dim must be a multiple of 8, >= 8, got " + randomDim);
            int vocab;
            try (var tok = dev.mutual.data.tokenizer.TextTokenizer.load(tokenizer)) {
                vocab = tok.vocabSize();
            }
            int heads = randomDim % 48 == 0 ? 6 : randomDim / 8 >= 8 ? 8 : randomDim / 8;
            int ffn = (int) Math.round(randomDim * 8 / 3.0 / 32) * 32;
            dev.mutual.trainer.model.ModelConfig c = new dev.mutual.trainer.model.ModelConfig("llama", randomDim, ffn, randomLayers, heads, heads,
                    randomDim / heads, vocab, 1024, 1e-5, 10000.0, null, false, false, 0, 1, 2);
            tmp = java.nio.file.Files.createTempDirectory("mutual-bench-serve");
            served = tmp.resolve("random");
            dev.mutual.trainer.checkpoint.HfCheckpoint.save(served, BenchScoreCommand.randomWeights(c, 1234), List.of());
            config = "random d=" + randomDim + " L=" + randomLayers + " H=" + heads + " ffn=" + ffn + " V=" + vocab;
        }
        this.modelName = config;
        try {
            run(served);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
        return 0;
    }

    private String modelName;

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        }
    }

    private void run(Path served) throws Exception {
        try (ServedModel m = ServedModel.open(served, tokenizer, null, null, "bench", threads);
             BatchEngine engine = new BatchEngine(m.decoder(), maxBatch, queue);
             OpenAiServer server = ServeCommand.start(m, engine, "127.0.0.1", 0, null, maxBatch, queue)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/completions");
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            // JIT-compile the kernels and the batched paths first
            phase(http, uri, clients, Math.min(2 * clients, requests), deadline, "warmup", false, engine);
            phase(http, uri, clients, requests, deadline, "concurrent", true, engine);
            if (single > 0) phase(http, uri, 1, single, deadline, "batch-1", true, engine);
        }
    }

    private void phase(HttpClient http, URI uri, int nClients, int total, long deadline, String name, boolean print, BatchEngine engine)
            throws Exception {
        long passes0 = engine.passes(), tokens0 = engine.tokens();
        AtomicInteger next = new AtomicInteger(), failed = new AtomicInteger(), lost = new AtomicInteger(), retried = new AtomicInteger();
        AtomicLong tokens = new AtomicLong();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        double load0 = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        ExecutorService pool = Executors.newFixedThreadPool(nClients);
        long t0 = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < nClients; c++) {
            running.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < total && System.nanoTime() < deadline; i = next.getAndIncrement()) {
                    ObjectNode body = JSON.createObjectNode().put("prompt", PROMPTS[i % PROMPTS.length]).put("max_tokens", maxTokens)
                            .put("temperature", 0.8).put("seed", i);
                    long r0 = System.nanoTime();
                    try {
                        while (true) {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeoutSeconds))
                                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 429) { // the queue is full: wait as told, then again
                                retried.incrementAndGet();
                                Thread.sleep(1000);
                                continue;
                            }
                            if (r.statusCode() != 200) {
                                failed.incrementAndGet();
                                break;
                            }
                            JsonNode j = JSON.readTree(r.body());
                            if (!j.path("choices").path(0).path("text").isTextual()) {
                                lost.incrementAndGet();
                                break;
                            }
                            tokens.addAndGet(j.path("usage").path("completion_tokens").asLong());
                            latencies.add(System.nanoTime() - r0);
                            break;
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : running) f.get();
        pool.shutdown();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!print) return;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        ObjectNode o = JSON.createObjectNode();
        o.put("bench", "serve");
        o.put("model", modelName);
        o.put("phase", name);
        o.put("clients", nClients);
        o.put("max_batch", maxBatch);
        o.put("requests", total);
        o.put("completed", sorted.size());
        o.put("failed", failed.get());
        o.put("lost", lost.get() + Math.max(0, total - sorted.size() - failed.get() - lost.get()));
        o.put("retried_429", retried.get());
        o.put("max_tokens", maxTokens);
        o.put("completion_tokens", tokens.get());
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        o.put("tokens_per_s", Math.round(tokens.get() / seconds));
        o.put("p50_ms", sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2) / 1_000_000);
        o.put("p99_ms", sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)) / 1_000_000);
        long passes = engine.passes() - passes0;
        o.put("mean_batch", passes == 0 ? 0 : Math.round(100.0 * (engine.tokens() - tokens0) / passes) / 100.0);
        o.put("threads", threads);
        o.put("load_average_start", load0);
        o.put("load_average_end", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        spec.commandLine().getOut().println(o);
        spec.commandLine().getOut().flush();
    }
}
