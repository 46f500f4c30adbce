package dev.mutual.data.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the Hub is and where its files are kept, read from the environment exactly as huggingface_hub reads it
 * (constants.py), so Mutual and the Python tools share one cache and one login.
 *
 * @param endpoint {@code HF_ENDPOINT}, default https://huggingface.co (no trailing '/')
 * @param cacheDir {@code HF_HUB_CACHE}, default {@code $HF_HOME/hub}; {@code HF_HOME} defaults to
 *                 {@code $XDG_CACHE_HOME/huggingface}, that to {@code ~/.cache/huggingface}
 * @param token    {@code HF_TOKEN}, else the token {@code hf auth login} saved in {@code $HF_HOME/token}; null for
 *                 none. Sent as a bearer token to the Hub's own host only, never logged ({@link #toString()} hides it).
 * @param offline  {@code HF_HUB_OFFLINE} (or {@code TRANSFORMERS_OFFLINE}) is 1/ON/YES/TRUE: use the cache only
 */
public record HubSettings(URI endpoint, Path cacheDir, String token, boolean offline) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        if (endpoint == null || endpoint.getHost() == null) throw new IllegalArgumentException("HF_ENDPOINT: expected a URL such as " + DEFAULT_ENDPOINT);
        if (token != null && token.isBlank()) token = null;
    }

    /** The settings {@code env} (normally {@code System.getenv()}) gives, with {@code user.home} for '~'. */
    public static HubSettings fromEnvironment(Map<String, String> env) {
        String home = System.getProperty("user.home");
        String endpoint = nonEmpty(env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT).replaceAll("/+$", "");
        Path cacheRoot = Path.of(expand(nonEmpty(env.get("XDG_CACHE_HOME"), home + "/.cache"), home));
        Path hfHome = Path.of(expand(nonEmpty(env.get("HF_HOME"), cacheRoot.resolve("huggingface").toString()), home));
        String cache = nonEmpty(env.get("HF_HUB_CACHE"), nonEmpty(env.get("HUGGINGFACE_HUB_CACHE"), hfHome.resolve("hub").toString()));
        String token = nonEmpty(env.get("HF_TOKEN"), env.get("HUGGING_FACE_HUB_TOKEN"));
        if (token == null) token = savedToken(Path.of(expand(nonEmpty(env.get("HF_TOKEN_PATH"), hfHome.resolve("token").toString()), home)));
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("HF_ENDPOINT '" + endpoint + "': expected a URL such as " + DEFAULT_ENDPOINT);
        }
        return new HubSettings(uri, Path.of(expand(cache, home)).toAbsolutePath().normalize(), token, offline);
    }

    /** The same settings with HF_HUB_OFFLINE set or cleared. */
    public HubSettings withOffline(boolean off) {
        return new HubSettings(endpoint, cacheDir, token, off);
    }

    private static String savedToken(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : null;
        } catch (IOException e) {
            return null;  // an unreadable token file is the same as none: public repositories still work
        }
    }

    private static boolean isTrue(String value) {
        return value != null && TRUE.contains(value.trim().toUpperCase(Locale.ROOT));
    }

    private static String nonEmpty(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String expand(String path, String home) {
        return path.equals("~") ? home : path.startsWith("~/") ? home + path.substring(1) : path;
    }

    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token=" + (token == null ? "none" : "set")
                + ", offline=" + offline + "]";
    }
}
