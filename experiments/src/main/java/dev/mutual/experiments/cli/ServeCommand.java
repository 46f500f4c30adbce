package dev.mutual.experiments.cli;

import dev.mutual.data.UserInputException;
import dev.mutual.experiments.serve.BatchEngine;
import dev.mutual.experiments.serve.OpenAiServer;
import dev.mutual.experiments.serve.ServedModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code mutual serve}: an OpenAI-compatible HTTP server over a model ({@link OpenAiServer}), with continuous
 * batching ({@link BatchEngine}). Runs until stopped (Ctrl-C).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over an OpenAI-compatible HTTP API: /v1/models, /v1/chat/completions, /v1/completions.")
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "HF model directory, a finished train stage's folder (model/ + trained.json), or a llama2.c .bin (with --tokenizer).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Tokenizer (default: the one in the model directory).")
    Path tokenizer;

    @Option(names = "--adapter", paramLabel = "LORA_DIR", description = "A PEFT LoRA adapter merged into the model at load.")
    Path adapter;

    @Option(names = "--chat-template", paramLabel = "NAME",
            description = "'model' or a built-in (llama-2, mistral, chatml, llama-3, vicuna, alpaca); default: the train stage's, "
                    + "else the tokenizer's own; without one /v1/chat/completions answers 400.")
    String chatTemplate;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model id clients see (default: the model folder's name).")
    String name;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Range(min = 0, max = 65535)
    @Option(names = "--port", defaultValue = "8000", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "Require 'Authorization: Bearer KEY' where KEY is this environment variable's value (never logged).")
    String apiKeyEnv;

    @Range(min = 1)
    @Option(names = "--max-batch", defaultValue = "32", paramLabel = "N", description = "Sequences decoded together at most (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Range(min = 1)
    @Option(names = "--queue", defaultValue = "64", paramLabel = "N",
            description = "Sequences waiting for a place in the batch at most; beyond it requests get 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Range(min = 1)
    @Option(names = "--threads", paramLabel = "N", description = "Threads for the matrix products (default: all processors).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        String key = apiKey(apiKeyEnv);
        try (ServedModel m = ServedModel.open(model, tokenizer, adapter, chatTemplate, name, t);
             BatchEngine engine = new BatchEngine(m.decoder(), maxBatch, queue);
             OpenAiServer server = start(m, engine, host, port, key, maxBatch, queue)) {
            log.info("serving {} ({} parameters, {} positions, chat template {}) at http://{}:{}/v1{}", m.name(),
                    m.model().weights().parameterCount(), m.contextLength(), m.template() == null ? "none" : m.template().name(),
                    server.host(), server.port(), key == null ? "" : " (API key required)");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        return 0;
    }

    /** The key in {@code var}, or null when no variable is named; a named variable that is unset is an error. */
    static String apiKey(String var) {
        if (var == null || var.isEmpty()) return null;
        String key = System.getenv(var);
        if (key == null || key.isBlank()) throw new UserInputException("--api-key-env " + var + ": the environment variable is not set or empty");
        return key;
    }

    static OpenAiServer start(ServedModel m, BatchEngine engine, String host, int port, String key, int maxBatch, int queue) {
        try {
            OpenAiServer s = new OpenAiServer(m, engine, host, port, key, Math.min(512, maxBatch + queue + 8));
            s.start();
            return s;
        } catch (BindException e) {
            throw new UserInputException("--host " + host + " --port " + port + ": cannot bind (" + e.getMessage() + "); choose another port");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the server on " + host + ":" + port, e);
        }
    }
}
