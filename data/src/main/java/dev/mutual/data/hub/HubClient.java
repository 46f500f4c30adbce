package dev.mutual.data.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.Progress;
import dev.mutual.data.UserInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns {@code hf://} paths into local files, downloading what is missing into the Hugging Face cache
 * ({@link HubCache}) the way huggingface_hub's {@code hf_hub_download} does:
 * <ol>
 *   <li>a commit-pinned file already in {@code snapshots/} is used with no request;</li>
 *   <li>otherwise {@code HEAD {endpoint}/{repo}/resolve/{revision}/{file}}, following redirects only while they stay
 *       on the Hub's host: a redirect to a CDN carries the metadata itself ({@code X-Repo-Commit},
 *       {@code X-Linked-Etag}, {@code X-Linked-Size}), and the token must not leave the Hub;</li>
 *   <li>the bytes go to {@code blobs/<etag>.incomplete} (resumed with a Range request after a dropped connection,
 *       here or in an earlier run), are checked against the size and the ETag (SHA-256 for LFS files, git's blob
 *       SHA-1 for the others), then renamed to {@code blobs/<etag>} and linked from {@code snapshots/<commit>/<file>};
 *       {@code refs/<revision>} records the commit.</li>
 * </ol>
 * A model ({@code hf://ORG/NAME} without a file) is its snapshot folder holding what Mutual loads: the file list comes
 * from {@code /api/models/{repo}/revision/{revision}} (siblings). With {@code HF_HUB_OFFLINE} only the cache is read;
 * when the Hub cannot be reached, cached files of the revision are used with a warning (as huggingface_hub does).
 * Every failure is a {@link UserInputException} naming the repository, the file and what to do.
 */
public final class HubClient {
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Files at least this large report download progress. */
    static final long PROGRESS_BYTES = 16L << 20;
    /** Tries per file after the first when a transfer breaks off (each resumes where the last stopped). */
    static final int RESUMES = 3;
    private static final int MAX_REDIRECTS = 10;

    /** The files of a model repository Mutual reads (weights are chosen apart: see {@link #weightFiles}). */
    static final Set<String> MODEL_FILES = Set.of("config.json", "generation_config.json", "adapter_config.json",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "tokenizer.model",
            "vocab.json", "merges.txt", "chat_template.json", "chat_template.jinja", "tok512.bin", "tokenizer.bin");

    private final HubSettings settings;
    private final HubCache cache;
    private HttpClient http;  // built on the first request: resolving cached files starts no threads

    public HubClient(HubSettings settings) {
        this.settings = settings;
        this.cache = new HubCache(settings.cacheDir());
    }

    /** The client {@code env} (normally {@code System.getenv()}) configures. */
    public static HubClient fromEnvironment(Map<String, String> env) {
        try {
            return new HubClient(HubSettings.fromEnvironment(env));
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        }
    }

    public HubSettings settings() {
        return settings;
    }

    public HubCache cache() {
        return cache;
    }

    /** {@code text} as a local path: an {@code hf://} path resolved (downloaded if needed), anything else as it is. */
    public Path resolve(String text) {
        return HubPath.isHubPath(text) ? resolve(HubPath.parse(text)) : Path.of(text);
    }

    /**
     * The local copy of {@code path}: a file in the cache's snapshot, or a model's snapshot folder.
     *
     * @throws UserInputException when it cannot be had (not found, no access, offline and not cached, damaged)
     */
    public Path resolve(HubPath path) {
        try {
            if (path.pinned()) {
                Path local = cached(path);
                if (local != null) return local;
            }
            if (settings.offline()) return cachedOrFail(path, "HF_HUB_OFFLINE is set, so the Hub was not asked: download it once"
                    + " online (without HF_HUB_OFFLINE), or check the name and revision");
            try {
                return path.file() != null ? file(path) : model(path);
            } catch (Unreachable e) {
                Path local = cached(path);
                if (local == null) {
                    throw new UserInputException(path + ": cannot reach " + settings.endpoint() + " (" + e.getMessage() + ") and it is"
                            + " not in the cache " + settings.cacheDir() + ": check the network and HF_ENDPOINT");
                }
                log.warn("{}: cannot reach {} ({}); using the copy in the cache: {}", path, settings.endpoint(), e.getMessage(), local);
                return local;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
    }

    // ---- the cache alone

    /** The cached copy of {@code path} at its revision (through refs/ for a branch or tag), or null. */
    public Path cached(HubPath path) throws IOException {
        String commit = cache.readRef(path, path.revisionOrMain());
        if (commit == null) return null;
        if (path.file() != null) {
            Path pointer = cache.pointer(path, commit, path.file());
            return Files.isRegularFile(pointer) ? pointer : null;
        }
        Path dir = cache.snapshot(path, commit);
        return modelComplete(dir) ? dir : null;
    }

    private Path cachedOrFail(HubPath path, String what) throws IOException {
        Path local = cached(path);
        if (local != null) return local;
        String commit = cache.readRef(path, path.revisionOrMain());
        String found = commit == null ? "not in the Hugging Face cache " + settings.cacheDir()
                : "revision " + path.revisionOrMain() + " (commit " + commit + ") is in the cache " + settings.cacheDir() + " without "
                + (path.file() != null ? "this file" : "all the model's files (config.json and the safetensors weights)");
        throw new UserInputException(path + ": " + found + "; " + what);
    }

    /** Whether a snapshot folder has what a model needs: config.json and all its safetensors weights. */
    static boolean modelComplete(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("config.json")) && !Files.isRegularFile(dir.resolve("adapter_config.json"))) return false;
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            for (String shard : shardsOf(index)) if (!Files.isRegularFile(dir.resolve(shard))) return false;
            return true;
        }
        return Files.isRegularFile(dir.resolve("model.safetensors")) || Files.isRegularFile(dir.resolve("adapter_model.safetensors"));
    }

    private static Set<String> shardsOf(Path index) throws IOException {
        Set<String> shards = new LinkedHashSet<>();
        JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
        map.forEach(v -> shards.add(v.asText()));
        return shards;
    }

    // ---- a model: its snapshot folder

    private Path model(HubPath repo) throws IOException {
        String revision = repo.revisionOrMain();
        RepoInfo info = info(repo, revision);
        HubPath pinned = repo.withRevision(info.commit());
        Set<String> files = new LinkedHashSet<>();
        for (String f : info.files()) if (MODEL_FILES.contains(f)) files.add(f);
        if (!files.contains("config.json") && !files.contains("adapter_config.json")) {
            throw new UserInputException(repo + ": the repository has no config.json, so it is no transformers model Mutual can load"
                    + " (it has: " + preview(info.files()) + ")");
        }
        for (String f : files) file(pinned.withFile(f));
        for (String f : weightFiles(repo, pinned, info.files())) file(pinned.withFile(f));
        cache.writeRef(repo, revision, info.commit());
        Path dir = cache.snapshot(repo, info.commit());
        if (!modelComplete(dir)) throw new IllegalStateException(repo + ": downloaded, yet " + dir + " lacks config.json or weights");
        return dir;
    }

    /** The safetensors files to fetch: the shards the index names, else model.safetensors or a LoRA adapter's weights. */
    private List<String> weightFiles(HubPath repo, HubPath pinned, List<String> all) throws IOException {
        if (all.contains("model.safetensors.index.json")) {
            return new ArrayList<>(shardsOf(file(pinned.withFile("model.safetensors.index.json"))));
        }
        for (String single : List.of("model.safetensors", "adapter_model.safetensors")) if (all.contains(single)) return List.of(single);
        String others = all.stream().anyMatch(f -> f.endsWith(".bin") || f.endsWith(".pt") || f.endsWith(".gguf"))
                ? " (it has weights in another format; convert them to safetensors, e.g. with transformers' save_pretrained)" : "";
        throw new UserInputException(repo + ": the repository has no model.safetensors (or model.safetensors.index.json):"
                + " Mutual reads safetensors weights" + others);
    }

    private record RepoInfo(String commit, List<String> files) {}

    /** {@code GET /api/{models|datasets}/{repo}/revision/{revision}}: the commit and the files. */
    private RepoInfo info(HubPath repo, String revision) throws IOException {
        URI url = URI.create(settings.endpoint() + "/api/" + repo.type().plural + "/" + repo.repoId() + "/revision/"
                + URLEncoder.encode(revision, StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = followOnHub(url, "GET", HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 400) throw failure(r, repo, null, revision);
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UserInputException(repo + ": " + url + " answered with no JSON; is HF_ENDPOINT (" + settings.endpoint() + ") a Hugging Face Hub?");
        }
        String sha = json.path("sha").asText("");
        if (!HubPath.isCommit(sha)) throw new UserInputException(repo + ": " + url + " gave no commit id ('sha'); is HF_ENDPOINT a Hugging Face Hub?");
        List<String> files = new ArrayList<>();
        json.path("siblings").forEach(s -> files.add(s.path("rfilename").asText()));
        return new RepoInfo(sha, files);
    }

    // ---- one file

    private record FileMeta(String commit, String etag, long size, URI location) {}

    private Path file(HubPath path) throws IOException {
        String revision = path.revisionOrMain();
        if (path.pinned()) {
            Path pointer = cache.pointer(path, revision, path.file());
            if (Files.isRegularFile(pointer)) return pointer;
        }
        FileMeta meta = head(path, revision);
        cache.writeRef(path, revision, meta.commit());
        Path pointer = cache.pointer(path, meta.commit(), path.file());
        if (Files.isRegularFile(pointer)) return pointer;
        Path blob = cache.blob(path, meta.etag());
        Path lockFile = cache.lock(path, meta.etag());
        Files.createDirectories(lockFile.getParent());
        Files.createDirectories(blob.getParent());
        // Another Mutual process may be fetching the same blob: it finishes, this one then only links.
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            if (!Files.isRegularFile(blob)) download(path.withRevision(meta.commit()), meta, blob);
            if (!Files.isRegularFile(pointer)) HubCache.link(blob, pointer);
        }
        return pointer;
    }

    /** HEAD on the resolve URL, following redirects that stay on the Hub's host (huggingface_hub's get_hf_file_metadata). */
    private FileMeta head(HubPath path, String revision) throws IOException {
        URI url = URI.create(settings.endpoint() + (path.type() == HubPath.RepoType.DATASET ? "/datasets/" : "/") + path.repoId()
                + "/resolve/" + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "/" + encodePath(path.file()));
        for (int hop = 0; hop < MAX_REDIRECTS; hop++) {
            HttpResponse<Void> r = send(request(url, "HEAD"), HttpResponse.BodyHandlers.discarding());
            int status = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            if (status >= 300 && status < 400 && location.isPresent()) {
                URI target = url.resolve(location.get());
                if (sameHost(url, target)) {
                    url = target;
                    continue;
                }
                return meta(path, r, target, true);
            }
            if (status >= 400) throw failure(r, path, path.file(), revision);
            return meta(path, r, url, false);
        }
        throw new UserInputException(path + ": more than " + MAX_REDIRECTS + " redirects from " + settings.endpoint());
    }

    private FileMeta meta(HubPath path, HttpResponse<?> r, URI location, boolean redirected) {
        String commit = r.headers().firstValue("X-Repo-Commit").orElse(null);
        String etag = r.headers().firstValue("X-Linked-Etag").or(() -> r.headers().firstValue("ETag")).map(HubClient::normalizeEtag).orElse(null);
        String size = r.headers().firstValue("X-Linked-Size")
                .or(() -> redirected ? Optional.empty() : r.headers().firstValue("Content-Length")).orElse(null);
        if (commit == null || !HubPath.isCommit(commit) || etag == null || etag.isEmpty() || etag.contains("/")) {
            throw new UserInputException(path + ": " + settings.endpoint() + " sent no X-Repo-Commit or ETag for the file;"
                    + " is HF_ENDPOINT a Hugging Face Hub (or a mirror of one)?");
        }
        long bytes;
        try {
            bytes = size == null ? -1 : Long.parseLong(size.trim());
        } catch (NumberFormatException e) {
            bytes = -1;
        }
        return new FileMeta(commit, etag, bytes, location);
    }

    /** huggingface_hub's _normalize_etag: drop a weak validator's W/ and the quotes. */
    static String normalizeEtag(String etag) {
        String e = etag.trim();
        if (e.startsWith("W/")) e = e.substring(2);
        return e.replace("\"", "");
    }

    /** Fetches {@code meta.location} into {@code blob}, resuming a partial {@code blob.incomplete}, then checks it. */
    private void download(HubPath path, FileMeta meta, Path blob) throws IOException {
        Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
        Progress progress = meta.size() >= PROGRESS_BYTES
                ? new Progress(log::info, "download " + path, meta.size() >> 20, "MB", 5000) : null;
        log.info("downloading {} ({} bytes){}", path, meta.size(), Files.exists(part) ? ", resuming " + Files.size(part) + " bytes in " + part : "");
        for (int attempt = 0; ; attempt++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (meta.size() >= 0 && have > meta.size()) {
                Files.delete(part);
                have = 0;
            }
            if (meta.size() >= 0 && have == meta.size() && have > 0) break;
            try {
                if (fetch(path, meta, part, have, progress)) break;
            } catch (Unreachable e) {
                if (attempt >= RESUMES) {
                    throw new UserInputException(path + ": the download broke off at " + Files.size(part) + " of " + meta.size()
                            + " bytes (" + e.getMessage() + "); run again to resume from " + part);
                }
                log.warn("{}: the transfer broke off at {} bytes ({}); resuming", path, Files.size(part), e.getMessage());
            }
        }
        if (progress != null) progress.finish(Files.size(part) >> 20, "");
        verify(path, meta, part);
        Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * One GET of the file from byte {@code have} on, appended to {@code part}.
     *
     * @return true when the transfer ended at the announced size (or at the end of a stream of unknown size)
     * @throws Unreachable when the connection failed or closed early: the caller resumes
     */
    private boolean fetch(HubPath path, FileMeta meta, Path part, long have, Progress progress) throws IOException {
        HttpResponse<InputStream> r = follow(meta.location(), have);
        int status = r.statusCode();
        if (status == 416) {  // the range starts at or past the end: what is there is all there is, or stale
            r.body().close();
            Files.deleteIfExists(part);
            return false;
        }
        if (status >= 400) {
            r.body().close();
            throw failure(r, path, path.file(), path.revisionOrMain());
        }
        boolean append = status == 206;
        long done = append ? have : 0;
        try (InputStream in = r.body();
             FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(ByteBuffer.wrap(buffer, 0, n));
                done += n;
                if (progress != null) progress.update(done >> 20);
            }
        } catch (IOException e) {
            throw new Unreachable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        }
        if (meta.size() >= 0 && done < meta.size()) throw new Unreachable("the server closed the connection early", null);
        return true;
    }

    /** GET {@code url} (from byte {@code from}), following redirects; the token goes to the Hub's host only. */
    private HttpResponse<InputStream> follow(URI url, long from) throws IOException {
        for (int hop = 0; hop < MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = request(url, "GET");
            if (from > 0) b.header("Range", "bytes=" + from + "-");
            HttpResponse<InputStream> r = send(b, HttpResponse.BodyHandlers.ofInputStream());
            Optional<String> location = r.headers().firstValue("Location");
            if (r.statusCode() >= 300 && r.statusCode() < 400 && location.isPresent()) {
                r.body().close();
                url = url.resolve(location.get());
                continue;
            }
            return r;
        }
        throw new UserInputException(url.getHost() + ": more than " + MAX_REDIRECTS + " redirects");
    }

    /** Checks the size and the ETag's hash: SHA-256 (LFS files) or git's blob SHA-1 ("blob <size>\0" + bytes). */
    private static void verify(HubPath path, FileMeta meta, Path part) throws IOException {
        long size = Files.size(part);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.delete(part);
            throw new UserInputException(path + ": downloaded " + size + " bytes, the Hub announced " + meta.size()
                    + "; the download was removed: run again");
        }
        String algorithm = meta.etag().matches("[0-9a-f]{64}") ? "SHA-256" : meta.etag().matches("[0-9a-f]{40}") ? "SHA-1" : null;
        if (algorithm == null) return;  // a mirror's own ETag: nothing to compare with
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (algorithm.equals("SHA-1")) digest.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
        }
        String got = HexFormat.of().formatHex(digest.digest());
        if (!got.equals(meta.etag())) {
            Files.delete(part);
            throw new UserInputException(path + ": the downloaded file's " + (algorithm.equals("SHA-1") ? "git blob SHA-1" : "SHA-256")
                    + " is " + got + " but the Hub announced " + meta.etag() + "; the download was removed: run again (if this"
                    + " repeats, a proxy or the disk is altering the bytes)");
        }
    }

    // ---- HTTP

    /** Thrown when the Hub (or its CDN) cannot be reached or a transfer breaks off. */
    static final class Unreachable extends IOException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private HttpRequest.Builder request(URI url, String method) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(60))
                .header("User-Agent", "mutual; java/" + Runtime.version().feature())
                .header("Accept-Encoding", "identity");  // the real size, as huggingface_hub asks
        // A signed CDN URL needs no token, and a token must not leave the Hub (huggingface_hub's rule as well).
        if (settings.token() != null && url.getHost() != null && url.getHost().equalsIgnoreCase(settings.endpoint().getHost())) {
            b.header("Authorization", "Bearer " + settings.token());
        }
        return b;
    }

    private <T> HttpResponse<T> followOnHub(URI url, String method, HttpResponse.BodyHandler<T> body) throws IOException {
        for (int hop = 0; hop < MAX_REDIRECTS; hop++) {
            HttpResponse<T> r = send(request(url, method), body);
            Optional<String> location = r.headers().firstValue("Location");
            if (r.statusCode() < 300 || r.statusCode() >= 400 || location.isEmpty()) return r;
            url = url.resolve(location.get());
        }
        throw new UserInputException(url + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) throws IOException {
        HttpClient client;
        synchronized (this) {
            if (http == null) {
                http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(20)).build();
            }
            client = http;
        }
        try {
            return client.send(request.build(), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        } catch (IOException e) {
            throw new Unreachable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
        }
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost());
    }

    private static String encodePath(String file) {
        List<String> parts = new ArrayList<>();
        for (String s : file.split("/")) parts.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
        return String.join("/", parts);
    }

    /**
     * The Hub's answer as one message: the repository, the file, what went wrong and what to do. The Hub names the
     * case in {@code X-Error-Code} (GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound); it answers 401, not
     * 404, for a repository it will not show without a token.
     */
    private UserInputException failure(HttpResponse<?> r, HubPath path, String file, String revision) {
        int status = r.statusCode();
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String repo = path.repoLabel();
        String page = settings.endpoint() + "/" + repo;
        String what = path.withRevision(revision).withFile(file) + ": ";
        String tokenNote = settings.token() == null ? "set HF_TOKEN to a token of your account (" + settings.endpoint()
                + "/settings/tokens) or log in with 'hf auth login'" : "the token in HF_TOKEN (or $HF_HOME/token) has no access: use one of an account that does";
        if (code.equals("GatedRepo") || ((status == 401 || status == 403) && r.headers().firstValue("X-Error-Message").orElse("").toLowerCase(Locale.ROOT).contains("gated"))) {
            return new UserInputException(what + repo + " is a gated repository (HTTP " + status + "): accept its licence at " + page
                    + " while logged in, then " + tokenNote);
        }
        if (code.equals("RepoNotFound") || status == 401) {
            return new UserInputException(what + "repository " + repo + " not found on " + settings.endpoint() + " (HTTP " + status
                    + "): check the name (ORG/NAME as on its page" + (path.type() == HubPath.RepoType.DATASET ? "" : "; a dataset is hf://datasets/ORG/NAME/FILE")
                    + "); if it is private, " + tokenNote);
        }
        if (code.equals("RevisionNotFound")) {
            return new UserInputException(what + "revision '" + revision + "' not found in " + repo + " (HTTP " + status
                    + "): check the branch, tag or commit after '@'");
        }
        if (code.equals("EntryNotFound") || (status == 404 && file != null)) {
            return new UserInputException(what + "no file '" + file + "' in " + repo + " at revision " + revision + " (HTTP " + status
                    + "): check the file name and folder (the files are listed at " + page + "/tree/" + revision + ")");
        }
        if (status == 404) return new UserInputException(what + "not found on " + settings.endpoint() + " (HTTP 404): check the name");
        if (status == 403) return new UserInputException(what + "access denied (HTTP 403): " + tokenNote);
        return new UserInputException(what + settings.endpoint() + " answered HTTP " + status + ": try again later, or set HF_HUB_OFFLINE=1"
                + " to use the files already in the cache " + settings.cacheDir());
    }

    private static String preview(List<String> files) {
        return files.size() <= 8 ? String.join(", ", files) : String.join(", ", files.subList(0, 8)) + ", ... (" + files.size() + " files)";
    }
}
