package dev.mutual.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub on loopback, answering the endpoints Mutual and huggingface_hub use, from files given by the
 * test, the way huggingface.co answers them:
 * <ul>
 *   <li>{@code GET /api/{models|datasets}/ORG/NAME/revision/REV}: {@code sha} and {@code siblings};
 *       {@code GET /api/.../tree/REV}: the file listing huggingface_hub's snapshot_download reads;</li>
 *   <li>{@code HEAD|GET /[datasets/]ORG/NAME/resolve/REV/FILE}: a small (git) file is served with its git blob SHA-1 as
 *       ETag; an LFS file (safetensors, parquet, gz, bin) answers 302 to a second server standing for the CDN
 *       (host {@code localhost}, so clients see another host) with {@code X-Linked-Etag} = its SHA-256 and
 *       {@code X-Linked-Size}; every answer carries {@code X-Repo-Commit};</li>
 *   <li>errors as the Hub gives them: 401 + {@code X-Error-Code: RepoNotFound} for an unknown repository, 401 +
 *       {@code GatedRepo} for a gated one without the right token, 404 + {@code RevisionNotFound} / {@code EntryNotFound};</li>
 *   <li>Range requests (206), a connection dropped mid-file once ({@link #dropOnce}), altered bytes ({@link #corrupt}).</li>
 * </ul>
 * Every request is recorded ({@link #requests()}).
 */
public final class LoopbackHub implements AutoCloseable {
    /** One request as the servers saw it. */
    public record Request(String method, String path, String range, boolean authorized) {
        /** A request that transfers file bytes (a GET on resolve or on the CDN). */
        public boolean download() {
            return method.equals("GET") && (path.contains("/resolve/") || path.startsWith("/cdn/"));
        }
    }

    private record HubFile(byte[] bytes, boolean lfs, String etag) {}

    private record Repo(String commit, Map<String, HubFile> files) {}

    private final HttpServer hub;
    private final HttpServer cdn;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> gatedTokens = new ConcurrentHashMap<>();
    private final Map<String, Integer> drops = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> corrupted = new ConcurrentHashMap<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());

    private LoopbackHub() throws IOException {
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/", this::hubAnswer);
        cdn.createContext("/", this::cdnAnswer);
        hub.start();
        cdn.start();
    }

    public static LoopbackHub start() {
        try {
            return new LoopbackHub();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What HF_ENDPOINT should be. */
    public String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    /** Serves every file under {@code folder} as model repository {@code repoId}; returns its commit id. */
    public String addModel(String repoId, Path folder) {
        return add("models/" + repoId, readFolder(folder));
    }

    /** Serves {@code files} (path in the repository to bytes) as dataset repository {@code repoId}; returns its commit. */
    public String addDataset(String repoId, Map<String, byte[]> files) {
        return add("datasets/" + repoId, files);
    }

    /** Makes a repository ("models/ORG/NAME" or "datasets/ORG/NAME") gated: its files need {@code token}. */
    public void gate(String repoKey, String token) {
        gatedTokens.put(repoKey, token);
    }

    /** The next transfer of {@code file} closes the connection after {@code bytes} bytes. */
    public void dropOnce(String repoKey, String file, int bytes) {
        drops.put(etagOf(repoKey, file), bytes);
    }

    /** From now on {@code file} is served with one byte changed, under its announced size and hash. */
    public void corrupt(String repoKey, String file) {
        String etag = etagOf(repoKey, file);
        byte[] bytes = repos.get(repoKey).files().get(file).bytes().clone();
        bytes[bytes.length / 2] ^= 0x5a;
        corrupted.put(etag, bytes);
    }

    /** The ETag the Hub gives {@code file}: SHA-256 for an LFS file, git's blob SHA-1 else. */
    public String etagOf(String repoKey, String file) {
        return repos.get(repoKey).files().get(file).etag();
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public long downloads() {
        return requests().stream().filter(Request::download).count();
    }

    public void clearRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
    }

    // ---- repositories

    private String add(String key, Map<String, byte[]> files) {
        Map<String, HubFile> served = new TreeMap<>();
        StringBuilder tree = new StringBuilder();
        files.forEach((name, bytes) -> {
            boolean lfs = name.matches(".*\\.(safetensors|parquet|gz|bin)$");
            String etag = lfs ? hex("SHA-256", bytes, null) : hex("SHA-1", bytes, "blob " + bytes.length + "\0");
            served.put(name, new HubFile(bytes, lfs, etag));
            if (lfs) blobs.put(etag, bytes);
        });
        served.forEach((name, f) -> tree.append(name).append(' ').append(f.etag()).append('\n'));
        String commit = hex("SHA-1", (key + "\n" + tree).getBytes(StandardCharsets.UTF_8), null);
        repos.put(key, new Repo(commit, served));
        return commit;
    }

    private static Map<String, byte[]> readFolder(Path folder) {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static String hex(String algorithm, byte[] bytes, String prefix) {
        try {
            MessageDigest d = MessageDigest.getInstance(algorithm);
            if (prefix != null) d.update(prefix.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d.digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- the Hub

    private void hubAnswer(HttpExchange ex) throws IOException {
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        record(ex, path);
        try (ex) {
            if (path.startsWith("/api/")) {
                api(ex, path.substring("/api/".length()));
                return;
            }
            String key = path.startsWith("/datasets/") ? path.substring(1) : "models" + path;
            String[] parts = key.split("/", 6);   // type, org, name, "resolve", revision, file
            if (parts.length < 6 || !parts[3].equals("resolve")) {
                error(ex, 404, null, null);
                return;
            }
            resolve(ex, parts[0] + "/" + parts[1] + "/" + parts[2], parts[4], parts[5]);
        }
    }

    private void api(HttpExchange ex, String rest) throws IOException {
        String[] parts = rest.split("/", 6);   // type, org, name, "revision" | "tree", revision[, path]
        Repo repo = parts.length >= 5 ? repos.get(parts[0] + "/" + parts[1] + "/" + parts[2]) : null;
        if (repo == null || !(parts[3].equals("revision") || parts[3].equals("tree"))) {
            error(ex, 401, "RepoNotFound", null);
            return;
        }
        if (!parts[4].equals("main") && !parts[4].equals(repo.commit())) {
            error(ex, 404, "RevisionNotFound", null);
            return;
        }
        ObjectMapper json = new ObjectMapper();
        if (parts[3].equals("tree")) {   // huggingface_hub's snapshot_download lists files here (list_repo_tree)
            var tree = json.createArrayNode();
            repo.files().forEach((name, f) -> {
                ObjectNode entry = tree.addObject().put("type", "file").put("size", f.bytes().length).put("path", name);
                entry.put("oid", f.lfs() ? hex("SHA-1", ("pointer " + f.etag()).getBytes(StandardCharsets.UTF_8), null) : f.etag());
                if (f.lfs()) entry.putObject("lfs").put("oid", f.etag()).put("size", f.bytes().length).put("pointerSize", 134);
            });
            send(ex, 200, tree.toString().getBytes(StandardCharsets.UTF_8), null);
            return;
        }
        ObjectNode info = json.createObjectNode();
        info.put("id", parts[1] + "/" + parts[2]);
        info.put("sha", repo.commit());
        var siblings = info.putArray("siblings");
        repo.files().keySet().forEach(f -> siblings.addObject().put("rfilename", f));
        send(ex, 200, info.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    private void resolve(HttpExchange ex, String key, String revision, String file) throws IOException {
        Repo repo = repos.get(key);
        if (repo == null) {
            error(ex, 401, "RepoNotFound", null);
            return;
        }
        if (!revision.equals("main") && !revision.equals(repo.commit())) {
            error(ex, 404, "RevisionNotFound", null);
            return;
        }
        String token = gatedTokens.get(key);
        if (token != null && !("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            error(ex, 401, "GatedRepo", repo.commit());
            return;
        }
        HubFile f = repo.files().get(file);
        if (f == null) {
            error(ex, 404, "EntryNotFound", repo.commit());
            return;
        }
        var h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", repo.commit());
        if (f.lfs()) {
            h.set("X-Linked-Etag", "\"" + f.etag() + "\"");
            h.set("X-Linked-Size", Long.toString(f.bytes().length));
            h.set("ETag", "\"pointer-" + f.etag().substring(0, 8) + "\"");  // the pointer's, as the Hub sends: not the blob's
            h.set("Location", "http://localhost:" + cdn.getAddress().getPort() + "/cdn/" + f.etag() + "?signature=x");
            ex.sendResponseHeaders(302, -1);
            return;
        }
        h.set("ETag", "\"" + f.etag() + "\"");
        serveBytes(ex, f.etag(), f.bytes());
    }

    private void cdnAnswer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        record(ex, path);
        try (ex) {
            String etag = path.startsWith("/cdn/") ? path.substring("/cdn/".length()) : "";
            byte[] bytes = blobs.get(etag);
            if (bytes == null) {
                error(ex, 404, null, null);
                return;
            }
            ex.getResponseHeaders().set("ETag", "\"s3-" + etag.substring(0, 8) + "\"");
            serveBytes(ex, etag, bytes);
        }
    }

    /** The bytes (or the Range asked for), altered or cut short when the test said so. */
    private void serveBytes(HttpExchange ex, String etag, byte[] bytes) throws IOException {
        byte[] body = corrupted.getOrDefault(etag, bytes);
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && range.matches("bytes=\\d+-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= body.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + body.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        }
        int status = from > 0 ? 206 : 200;
        int length = body.length - from;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        Integer drop = drops.remove(etag);
        ex.sendResponseHeaders(status, length);
        OutputStream out = ex.getResponseBody();
        if (drop != null && drop < length) {
            out.write(body, from, drop);
            out.flush();
            // the server goes away mid-file: closing the connection without the rest of the announced length
            throw new IOException("dropped on purpose after " + drop + " bytes");
        }
        out.write(body, from, length);
    }

    private static void error(HttpExchange ex, int status, String code, String commit) throws IOException {
        if (code != null) ex.getResponseHeaders().set("X-Error-Code", code);
        if (commit != null) ex.getResponseHeaders().set("X-Repo-Commit", commit);
        String message = code == null ? "Not Found" : switch (code) {
            case "RepoNotFound" -> "Repository not found";
            case "GatedRepo" -> "Access to this resource is restricted: you must be authenticated and accept the conditions (gated repo)";
            case "RevisionNotFound" -> "Invalid rev id";
            default -> "Entry not found";
        };
        ex.getResponseHeaders().set("X-Error-Message", message);
        send(ex, status, ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8), null);
    }

    private static void send(HttpExchange ex, int status, byte[] body, String contentType) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType == null ? "application/json" : contentType);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private void record(HttpExchange ex, String path) {
        requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"),
                ex.getRequestHeaders().containsKey("Authorization")));
    }

    /** For tests that want the map form of a folder (e.g. to serve a dataset from files on disk). */
    public static Map<String, byte[]> filesOf(Path folder) {
        return new HashMap<>(readFolder(folder));
    }
}
