package dev.mutual.data.hub;

import dev.mutual.data.UserInputException;
import dev.mutual.testing.LoopbackHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real download code against {@link LoopbackHub}: the cache it leaves is huggingface_hub's layout, a second call
 * downloads nothing, offline mode, resume, checksums, and the messages for a gated, missing or unreachable repository.
 * The model is a real tiny one: trainer's parity Llama (config.json + model.safetensors) with a real tokenizer_config.json.
 */
class HubClientTest {
    static final Path PARITY = Path.of("../trainer/src/test/resources/parity/llama");
    static final Path TOKENIZER_CONFIG = Path.of("src/test/resources/tokenizers/llama3/tokenizer_config.json");

    @TempDir
    Path dir;
    LoopbackHub hub;
    Path model;
    String commit;

    @BeforeEach
    void serve() throws IOException {
        hub = LoopbackHub.start();
        model = dir.resolve("tiny");
        Files.createDirectories(model);
        Files.copy(PARITY.resolve("config.json"), model.resolve("config.json"));
        Files.copy(PARITY.resolve("model.safetensors"), model.resolve("model.safetensors"));
        Files.copy(PARITY.resolve("expected.json"), model.resolve("expected.json"));      // not a model file: left alone
        Files.copy(TOKENIZER_CONFIG, model.resolve("tokenizer_config.json"));
        Files.writeString(model.resolve("README.md"), "# tiny\n");
        commit = hub.addModel("org/tiny", model);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    HubClient client(String token, boolean offline) {
        return new HubClient(new HubSettings(java.net.URI.create(hub.endpoint()), dir.resolve("hf/hub"), token, offline));
    }

    @Test
    void firstDownloadFillsTheCacheInHuggingFaceLayout() throws IOException {
        Path snapshot = client(null, false).resolve("hf://org/tiny");
        Path repo = dir.resolve("hf/hub/models--org--tiny");
        assertEquals(repo.resolve("snapshots/" + commit), snapshot);
        assertEquals(commit, Files.readString(repo.resolve("refs/main")));   // no newline, as huggingface_hub writes it
        for (String f : List.of("config.json", "model.safetensors", "tokenizer_config.json")) {
            Path pointer = snapshot.resolve(f);
            assertTrue(Files.isSymbolicLink(pointer), f);
            String etag = hub.etagOf("models/org/tiny", f);
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(pointer));
            assertArrayEquals(Files.readAllBytes(model.resolve(f)), Files.readAllBytes(pointer), f);
        }
        assertEquals(64, hub.etagOf("models/org/tiny", "model.safetensors").length());   // LFS: SHA-256
        assertEquals(40, hub.etagOf("models/org/tiny", "config.json").length());         // git blob SHA-1
        assertFalse(Files.exists(snapshot.resolve("README.md")));
        assertFalse(Files.exists(snapshot.resolve("expected.json")));
        try (var blobs = Files.list(repo.resolve("blobs"))) {
            assertEquals(3, blobs.count());   // no .incomplete left behind
        }
        // the weights came from the CDN host, without the token; the 302 was not followed by the HEAD
        assertTrue(hub.requests().stream().anyMatch(r -> r.method().equals("GET") && r.path().startsWith("/cdn/")));
    }

    @Test
    void aSecondCallDownloadsNothingAndAPinnedOneAsksNothing() {
        Path first = client(null, false).resolve("hf://org/tiny");
        hub.clearRequests();
        assertEquals(first, client(null, false).resolve("hf://org/tiny"));
        assertEquals(0, hub.downloads(), hub.requests().toString());
        assertEquals(1, hub.requests().size(), "only the revision lookup: " + hub.requests());
        hub.clearRequests();
        assertEquals(first, client(null, false).resolve("hf://org/tiny@" + commit));
        assertEquals(first.resolve("config.json"), client(null, false).resolve("hf://org/tiny@" + commit + "/config.json"));
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void offlineReadsTheCacheOnlyAndSaysWhatToDoWhenItIsEmpty() {
        UserInputException empty = assertThrows(UserInputException.class, () -> client(null, true).resolve("hf://org/tiny"));
        assertTrue(empty.getMessage().contains("hf://org/tiny: not in the Hugging Face cache") && empty.getMessage().contains("HF_HUB_OFFLINE"),
                empty.getMessage());
        assertEquals(List.of(), hub.requests());

        Path online = client(null, false).resolve("hf://org/tiny");
        hub.clearRequests();
        assertEquals(online, client(null, true).resolve("hf://org/tiny"));   // through refs/main
        UserInputException missing = assertThrows(UserInputException.class, () -> client(null, true).resolve("hf://org/tiny/README.md"));
        assertTrue(missing.getMessage().contains("without this file"), missing.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void aDroppedTransferResumesWithARangeRequest() throws IOException {
        hub.dropOnce("models/org/tiny", "model.safetensors", 40_000);
        Path snapshot = client(null, false).resolve("hf://org/tiny");
        assertArrayEquals(Files.readAllBytes(model.resolve("model.safetensors")), Files.readAllBytes(snapshot.resolve("model.safetensors")));
        // the resume asks for the rest from what arrived: the 40,000 bytes the hub sent before dropping, or fewer when
        // the drop lost some in flight (a reset connection discards what the client had not read yet)
        assertTrue(hub.requests().stream().anyMatch(r -> r.path().startsWith("/cdn/") && r.range() != null
                && r.range().matches("bytes=\\d+-") && resumedFrom(r.range()) > 0 && resumedFrom(r.range()) <= 40_000), hub.requests().toString());
    }

    private static long resumedFrom(String range) {
        return Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
    }

    @Test
    void aPartialFileFromAnEarlierRunIsContinued() throws IOException {
        String etag = hub.etagOf("models/org/tiny", "model.safetensors");
        Path part = dir.resolve("hf/hub/models--org--tiny/blobs/" + etag + ".incomplete");
        Files.createDirectories(part.getParent());
        byte[] all = Files.readAllBytes(model.resolve("model.safetensors"));
        Files.write(part, Arrays.copyOf(all, 12_345));
        Path snapshot = client(null, false).resolve("hf://org/tiny");
        assertArrayEquals(all, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertTrue(hub.requests().stream().anyMatch(r -> "bytes=12345-".equals(r.range())), hub.requests().toString());
        assertFalse(Files.exists(part));
    }

    @Test
    void aFileWhoseHashDiffersIsRefusedAndRemoved() {
        hub.corrupt("models/org/tiny", "model.safetensors");
        UserInputException e = assertThrows(UserInputException.class, () -> client(null, false).resolve("hf://org/tiny"));
        String etag = hub.etagOf("models/org/tiny", "model.safetensors");
        assertTrue(e.getMessage().startsWith("hf://org/tiny@" + commit + "/model.safetensors: the downloaded file's SHA-256 is "), e.getMessage());
        assertTrue(e.getMessage().contains("announced " + etag), e.getMessage());
        Path blobs = dir.resolve("hf/hub/models--org--tiny/blobs");
        assertFalse(Files.exists(blobs.resolve(etag)));
        assertFalse(Files.exists(blobs.resolve(etag + ".incomplete")));
        assertFalse(Files.exists(dir.resolve("hf/hub/models--org--tiny/snapshots/" + commit + "/model.safetensors")));
    }

    @Test
    void aGatedRepositoryNeedsTheTokenWhichNeverLeavesTheHub() {
        hub.gate("models/org/tiny", "hf_secret");
        UserInputException e = assertThrows(UserInputException.class, () -> client(null, false).resolve("hf://org/tiny"));
        assertTrue(e.getMessage().contains("org/tiny is a gated repository (HTTP 401): accept its licence at " + hub.endpoint() + "/org/tiny"), e.getMessage());
        assertTrue(e.getMessage().contains("set HF_TOKEN"), e.getMessage());
        UserInputException wrong = assertThrows(UserInputException.class, () -> client("hf_other", false).resolve("hf://org/tiny"));
        assertTrue(wrong.getMessage().contains("has no access"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("hf_other"));

        hub.clearRequests();
        Path snapshot = client("hf_secret", false).resolve("hf://org/tiny");
        assertTrue(Files.isRegularFile(snapshot.resolve("model.safetensors")));
        for (LoopbackHub.Request r : hub.requests()) assertEquals(!r.path().startsWith("/cdn/"), r.authorized(), r.toString());
    }

    @Test
    void missingRepositoriesFilesAndRevisionsSayWhatToCheck() {
        hub.addDataset("org/data", Map.of("train.jsonl", "{\"a\":1}\n".getBytes(StandardCharsets.UTF_8)));
        UserInputException repo = assertThrows(UserInputException.class, () -> client(null, false).resolve("hf://org/tinny"));
        assertTrue(repo.getMessage().startsWith("hf://org/tinny@main: repository org/tinny not found on " + hub.endpoint() + " (HTTP 401): check the name"),
                repo.getMessage());
        UserInputException file = assertThrows(UserInputException.class, () -> client(null, false).resolve("hf://datasets/org/data/test.jsonl"));
        assertTrue(file.getMessage().startsWith("hf://datasets/org/data@main/test.jsonl: no file 'test.jsonl' in datasets/org/data at revision main"
                + " (HTTP 404): check the file name"), file.getMessage());
        UserInputException rev = assertThrows(UserInputException.class, () -> client(null, false).resolve("hf://datasets/org/data@v9/train.jsonl"));
        assertTrue(rev.getMessage().contains("revision 'v9' not found in datasets/org/data"), rev.getMessage());
    }

    @Test
    void aDatasetFileLandsInTheDatasetsFolder() throws IOException {
        byte[] rows = "{\"instruction\":\"hi\",\"response\":\"hello\"}\n".getBytes(StandardCharsets.UTF_8);
        String dataCommit = hub.addDataset("org/data", Map.of("data/train.jsonl", rows, "data/big.jsonl.gz", new byte[] {1, 2, 3}));
        Path file = client(null, false).resolve("hf://datasets/org/data/data/train.jsonl");
        assertEquals(dir.resolve("hf/hub/datasets--org--data/snapshots/" + dataCommit + "/data/train.jsonl"), file);
        assertEquals(Path.of("../../../blobs/" + hub.etagOf("datasets/org/data", "data/train.jsonl")), Files.readSymbolicLink(file));
        assertArrayEquals(rows, Files.readAllBytes(file));
        assertEquals(HubPath.parse("hf://datasets/org/data@" + dataCommit + "/data/train.jsonl"), HubPath.fromCachePath(file).orElseThrow());
        assertEquals("hf://datasets/org/data@" + dataCommit + "/data/train.jsonl", HubPath.nameOf(file));
        assertEquals(dir.toString(), HubPath.nameOf(dir));
    }

    @Test
    void aLargeFileStreamsToTheCacheAndResumesPastItsMiddle() throws IOException {
        byte[] big = new byte[(int) HubClient.PROGRESS_BYTES + 12_345];   // large enough to report progress
        new java.util.Random(3).nextBytes(big);
        hub.addDataset("org/big", Map.of("shard.bin", big));
        hub.dropOnce("datasets/org/big", "shard.bin", big.length / 2);
        Path file = client(null, false).resolve("hf://datasets/org/big/shard.bin");
        assertArrayEquals(big, Files.readAllBytes(file));
        // The resume starts where the received bytes end: at the drop, or a little before it when the closed
        // connection lost bytes still in flight (the server's close may reset the socket).
        assertTrue(hub.requests().stream().anyMatch(r -> resumesWithin(r.range(), big.length / 2)), hub.requests().toString());
    }

    private static boolean resumesWithin(String range, int drop) {
        if (range == null || !range.startsWith("bytes=") || !range.endsWith("-")) return false;
        long from = Long.parseLong(range.substring(6, range.length() - 1));
        return from > 0 && from <= drop;
    }

    @Test
    void anUnreachableHubFallsBackToTheCacheOrSaysWhatToCheck() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        HubClient nowhere = new HubClient(new HubSettings(java.net.URI.create("http://127.0.0.1:" + closed), dir.resolve("hf/hub"), null, false));
        UserInputException e = assertThrows(UserInputException.class, () -> nowhere.resolve("hf://org/tiny"));
        assertTrue(e.getMessage().startsWith("hf://org/tiny: cannot reach http://127.0.0.1:" + closed), e.getMessage());
        assertTrue(e.getMessage().contains("check the network and HF_ENDPOINT"), e.getMessage());
        Path cached = client(null, false).resolve("hf://org/tiny");
        assertEquals(cached, nowhere.resolve("hf://org/tiny"));
    }

    @Test
    void pathsParseAndPrintAsHuggingFaceHubUris() {
        HubPath m = HubPath.parse("hf://meta-llama/Llama-3.2-1B@v1.0");
        assertEquals(new HubPath(HubPath.RepoType.MODEL, "meta-llama/Llama-3.2-1B", "v1.0", null), m);
        assertEquals("models--meta-llama--Llama-3.2-1B", m.cacheFolderName());
        assertEquals(new HubPath(HubPath.RepoType.MODEL, "gpt2", null, null), HubPath.parse("hf://gpt2"));
        HubPath d = HubPath.parse("hf://datasets/tatsu-lab/alpaca@refs%2Fconvert%2Fparquet/data/train-00000.parquet");
        assertEquals("refs/convert/parquet", d.revision());
        assertEquals("data/train-00000.parquet", d.file());
        assertEquals("hf://datasets/tatsu-lab/alpaca@refs%2Fconvert%2Fparquet/data/train-00000.parquet", d.toString());
        for (String bad : List.of("hf://datasets/org/name", "hf://org/na--me", "hf://org/name/../x", "hf://spaces/org/app", "hf://org@x/name")) {
            assertThrows(UserInputException.class, () -> HubPath.parse(bad), bad);
        }
        assertTrue(HubPath.fromCachePath(Path.of("/data/models--org--tiny/snapshots/abc/config.json")).isEmpty());
        assertTrue(HubPath.fromCachePath(Path.of("/home/me/model")).isEmpty());
    }

    @Test
    void settingsComeFromTheEnvironmentAsHuggingFaceHubReadsThem() throws IOException {
        Path home = dir.resolve("hfhome");
        Files.createDirectories(home);
        Files.writeString(home.resolve("token"), "hf_saved\n");
        HubSettings s = HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString(), "HF_HUB_OFFLINE", "yes", "HF_ENDPOINT", "http://mirror:9/"));
        assertEquals(home.resolve("hub"), s.cacheDir());
        assertEquals("hf_saved", s.token());
        assertTrue(s.offline());
        assertEquals("http://mirror:9", s.endpoint().toString());
        assertFalse(s.toString().contains("hf_saved"));
        HubSettings t = HubSettings.fromEnvironment(Map.of("HF_HOME", home.toString(), "HF_HUB_CACHE", dir.resolve("c").toString(), "HF_TOKEN", "hf_env"));
        assertEquals(dir.resolve("c"), t.cacheDir());
        assertEquals("hf_env", t.token());
        assertFalse(t.offline());
        assertEquals(HubSettings.DEFAULT_ENDPOINT, t.endpoint().toString());
    }
}
