package dev.mutual.experiments.pipeline;

import dev.mutual.data.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A finished stage's {@code _SUCCESS.json}: written last, atomically, into the stage's work folder before the
 * folder is published. A stage folder without it is not finished.
 *
 * @param stage          stage name
 * @param type           stage type
 * @param cacheKey       hash of (type, config, code version, Mutual version, input hashes) it was made from
 * @param outputs        every output file (path relative to the stage folder, '/'-separated) and its SHA-256
 * @param metrics        what the stage reported
 * @param elapsedSeconds how long it ran
 * @param finishedAt     ISO-8601 instant
 */
public record Manifest(String stage, String type, String cacheKey, Map<String, String> outputs,
                       Map<String, Number> metrics, double elapsedSeconds, String finishedAt) {

    public static final String FILE = "_SUCCESS.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One hash over all outputs: what downstream cache keys include. */
    public String outputsHash() {
        StringBuilder all = new StringBuilder();
        new TreeMap<>(outputs).forEach((file, hash) -> all.append(file).append(' ').append(hash).append('\n'));
        return ContentHash.of(all.toString());
    }

    /** Hashes every file under {@code dir} (the manifest itself excluded). */
    static Map<String, String> hashOutputs(Path dir) throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                String rel = dir.relativize(f).toString().replace('\\', '/');
                if (!rel.equals(FILE)) hashes.put(rel, ContentHash.of(f));
            }
        }
        return hashes;
    }

    void writeTo(Path dir) throws IOException {
        AtomicFile.writeString(dir.resolve(FILE), JSON.writeValueAsString(this));
    }

    /** The manifest in {@code dir}, or null when there is none or it cannot be read (an unfinished stage). */
    static Manifest readFrom(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readValue(file.toFile(), Manifest.class);
        } catch (IOException e) {
            return null;
        }
    }
}
