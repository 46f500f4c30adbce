package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.data.AtomicFile;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The files behind a tokenizer path (every form {@link TextTokenizer#load} accepts), and how they are saved beside a
 * model so that Mutual and the Python tools both load it: always as a plain {@code tokenizer.json} (decompressed from
 * {@code tokenizer.json.gz}; written from a llama2.c {@code .bin} by {@link Llama2cHfExport}, the .bin kept too),
 * with tokenizer_config.json and special_tokens_map.json (a Llama tokenizer_class saved as PreTrainedTokenizerFast, see
 * {@link #saveConfig}).
 */
public final class TokenizerFiles {
    /** Names that belong to a tokenizer in a folder: HF's, the gzip form Mutual reads, and llama2.c's. */
    public static final List<String> NAMES = List.of("tokenizer.json", "tokenizer.json.gz", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt", "tok512.bin", "tokenizer.bin");

    /** tokenizer_class values whose transformers 5 class replaces the tokenizer.json pipeline (see saveConfig). */
    private static final Set<String> REBUILT_BY_TRANSFORMERS = Set.of("LlamaTokenizer", "LlamaTokenizerFast");
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {
    }

    /**
     * Every file that decides what {@code tokenizer} loads as, so all of them count in a cache key: the folder's
     * tokenizer files, or the file itself plus the tokenizer_config.json / special_tokens_map.json that
     * {@link HfTokenizer} reads from beside a tokenizer.json[.gz]. A tokenizer.json.gz that a plain tokenizer.json
     * shadows is left out (it is never read).
     */
    public static List<Path> of(Path tokenizer) {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(tokenizer)) {
            for (String name : NAMES) {
                Path f = tokenizer.resolve(name);
                if (!Files.isRegularFile(f)) continue;
                if (name.equals("tokenizer.json.gz") && Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) continue;
                files.add(f);
            }
            return files;
        }
        files.add(tokenizer);
        String name = tokenizer.getFileName().toString();
        if (name.endsWith(".json") || name.endsWith(".json.gz")) {
            for (String config : List.of("tokenizer_config.json", "special_tokens_map.json")) {
                Path f = tokenizer.resolveSibling(config);
                if (Files.isRegularFile(f)) files.add(f);
            }
        }
        return files;
    }

    /**
     * Writes {@code files} (as {@link #of} lists them) into the model folder {@code dir}: a tokenizer.json[.gz] of any
     * name as plain tokenizer.json, a llama2.c .bin as itself plus the HF files it is equivalent to (unless the list
     * has its own tokenizer.json), everything else copied under its name.
     */
    public static void save(List<Path> files, Path dir) {
        boolean hasJson = false;
        List<String> names = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            hasJson |= name.endsWith(".json.gz") || (name.endsWith(".json") && !keepsName(name));
            names.add(name);
        }
        for (Path src : files) {
            if (!Files.isRegularFile(src)) throw new UserInputException(src + ": tokenizer file not found");
            String name = src.getFileName().toString();
            try {
                if (name.endsWith(".json.gz")) {
                    AtomicFile.writeBytes(dir.resolve("tokenizer.json"), gunzip(src));
                } else if (name.endsWith(".json") && !keepsName(name)) {
                    copy(src, dir.resolve("tokenizer.json"));
                } else if (name.equals("tokenizer_config.json")) {
                    saveConfig(src, dir.resolve(name));
                } else if (name.endsWith(".bin")) {
                    copy(src, dir.resolve(name));
                    if (!hasJson) {
                        Llama2cHfExport.write(Llama2cTokenizer.load(src), dir, !names.contains("tokenizer_config.json"),
                                !names.contains("special_tokens_map.json"));
                    }
                } else {
                    copy(src, dir.resolve(name));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot save tokenizer file " + src + " into " + dir, e);
            }
        }
    }

    /**
     * Sets {@code chat_template} in the tokenizer_config.json of the model folder {@code dir} (created when the tokenizer
     * had none): a model trained on a built-in format carries it, so {@code apply_chat_template} prompts it as trained.
     */
    public static void setChatTemplate(Path dir, String jinja) {
        Path file = dir.resolve("tokenizer_config.json");
        try {
            JsonNode config = Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.createObjectNode();
            if (config == null || !config.isObject()) throw new UserInputException(file + ": expected a JSON object");
            ((ObjectNode) config).put("chat_template", jinja);
            AtomicFile.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * tokenizer_config.json as it was, except a Llama tokenizer_class becomes PreTrainedTokenizerFast: transformers 5's
     * LlamaTokenizer does not run the tokenizer.json it is given but rebuilds the pipeline from its vocabulary with a
     * Metaspace pre-tokenizer, which gave other ids than the file (the ids the model was trained on) for 106 of 1503
     * lines of samples/ with Mistral's tokenizer (leading spaces); PreTrainedTokenizerFast runs the file as written,
     * in transformers 4 and 5 (tools/check_autotokenizer.py checks it).
     */
    private static void saveConfig(Path src, Path target) throws IOException {
        if (Files.exists(target) && Files.isSameFile(src, target)) return;
        JsonNode config;
        try {
            config = JSON.readTree(src.toFile());
        } catch (IOException e) {
            throw new UserInputException(src + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        String cls = config != null && config.isObject() ? config.path("tokenizer_class").asText("") : "";
        if (!REBUILT_BY_TRANSFORMERS.contains(cls)) {
            copy(src, target);
            return;
        }
        ((ObjectNode) config).put("tokenizer_class", "PreTrainedTokenizerFast");
        AtomicFile.writeString(target, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    /** JSON files of a tokenizer folder that are not the tokenizer.json itself. */
    private static boolean keepsName(String name) {
        return name.equals("tokenizer_config.json") || name.equals("special_tokens_map.json") || name.equals("vocab.json");
    }

    private static void copy(Path src, Path target) throws IOException {
        if (Files.exists(target) && Files.isSameFile(src, target)) return;
        AtomicFile.copy(src, target);
    }

    private static byte[] gunzip(Path file) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read as gzip (" + e.getMessage() + ")", e);
        }
    }
}
