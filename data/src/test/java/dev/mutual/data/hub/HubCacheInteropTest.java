package dev.mutual.data.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.testing.LoopbackHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutual and Python's huggingface_hub share one cache: each reuses what the other downloaded, with no download
 * request to the (loopback) Hub. Runs {@code tools/hub_cache_peer.py} with the Python named by {@code MUTUAL_PYTHON},
 * else {@code /tmp/venv-hf/bin/python}, else {@code python3}; skipped, with the reason printed, where none of them
 * imports huggingface_hub.
 */
class HubCacheInteropTest {
    static final Path PEER = Path.of("../tools/hub_cache_peer.py");
    static String python;

    @TempDir
    Path dir;
    LoopbackHub hub;
    Path model;
    String commit;

    @BeforeEach
    void serve() throws IOException, InterruptedException {
        if (python == null) python = findPython();
        if (python.isEmpty()) {
            String why = "skipped: needs a Python with huggingface_hub (set MUTUAL_PYTHON) for the cache peer check";
            System.out.println(why);
            Assumptions.abort(why);
        }
        hub = LoopbackHub.start();
        model = dir.resolve("tiny");
        Files.createDirectories(model);
        Files.copy(HubClientTest.PARITY.resolve("config.json"), model.resolve("config.json"));
        Files.copy(HubClientTest.PARITY.resolve("model.safetensors"), model.resolve("model.safetensors"));
        Files.copy(HubClientTest.TOKENIZER_CONFIG, model.resolve("tokenizer_config.json"));
        commit = hub.addModel("org/tiny", model);
        hub.addDataset("org/data", Map.of("data/train.jsonl", "{\"text\":\"a\"}\n".getBytes(StandardCharsets.UTF_8)));
    }

    @AfterEach
    void stop() {
        if (hub != null) hub.close();
    }

    private static String findPython() throws IOException, InterruptedException {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("MUTUAL_PYTHON") != null) candidates.add(System.getenv("MUTUAL_PYTHON"));
        candidates.add("/tmp/venv-hf/bin/python");
        candidates.add("python3");
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", "import huggingface_hub").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) return c;
            } catch (IOException e) {
                // not installed: try the next
            }
        }
        return "";
    }

    HubClient mutual(boolean offline) {
        return new HubClient(new HubSettings(URI.create(hub.endpoint()), dir.resolve("hf/hub"), null, offline));
    }

    JsonNode peer(boolean offline, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python, PEER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        for (String k : List.of("HF_TOKEN", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")) env.remove(k);
        env.put("HF_ENDPOINT", hub.endpoint());
        env.put("HF_HOME", dir.resolve("hf").toString());
        env.put("HF_HUB_DISABLE_TELEMETRY", "1");
        if (offline) env.put("HF_HUB_OFFLINE", "1");
        Path log = dir.resolve("peer.log");
        Process p = pb.redirectError(log.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "peer timed out");
        assertEquals(0, p.exitValue(), out + Files.readString(log));
        return new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void mutualReusesWhatHuggingFaceHubDownloaded() throws Exception {
        JsonNode py = peer(false, "snapshot", "org/tiny", "config.json", "model.safetensors", "tokenizer_config.json");
        assertTrue(hub.downloads() >= 3, hub.requests().toString());
        hub.clearRequests();
        Path snapshot = mutual(false).resolve("hf://org/tiny");
        assertEquals(Path.of(py.get("path").asText()), snapshot);
        assertEquals(0, hub.downloads(), hub.requests().toString());
        assertEquals(snapshot, mutual(true).resolve("hf://org/tiny"));
        assertEquals(snapshot, mutual(false).resolve("hf://org/tiny@" + commit));
        assertEquals(1, hub.requests().size(), "one revision lookup, then nothing: " + hub.requests());
    }

    @Test
    void huggingFaceHubReusesWhatMutualDownloaded() throws Exception {
        Path snapshot = mutual(false).resolve("hf://org/tiny");
        Path data = mutual(false).resolve("hf://datasets/org/data/data/train.jsonl");
        hub.clearRequests();
        JsonNode online = peer(false, "snapshot", "org/tiny", "config.json", "model.safetensors", "tokenizer_config.json");
        assertEquals(snapshot, Path.of(online.get("path").asText()));
        assertEquals(0, hub.downloads(), hub.requests().toString());
        JsonNode offline = peer(true, "snapshot", "org/tiny");
        assertEquals(snapshot, Path.of(offline.get("path").asText()));
        assertEquals(hub.etagOf("models/org/tiny", "model.safetensors"), offline.get("files").get("model.safetensors").asText());
        JsonNode file = peer(true, "file", "org/data", "data/train.jsonl", "--repo-type", "dataset");
        assertEquals(data, Path.of(file.get("path").asText()));
        assertEquals(0, hub.downloads(), hub.requests().toString());
        if ("1".equals(System.getenv("MUTUAL_PEER_TRANSFORMERS"))) {   // slow (torch): on request only
            JsonNode loaded = peer(true, "load", "org/tiny");
            assertTrue(loaded.get("parameters").asLong() > 0, loaded.toString());
            System.out.println("transformers loaded org/tiny from Mutual's cache offline: " + loaded);
        }
    }
}
