package dev.mutual.data.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * A Hugging Face tokenizer.json run by DJL's bindings to the Rust {@code tokenizers} library, with truncation
 * and padding off (DJL truncates to 512 by default), plus tokenizer_config.json for BOS/EOS/PAD and the chat
 * template. The vocabulary is read once with Jackson for {@link #token(int)} and {@link #vocabSize()}, which
 * DJL does not expose. Encoding with special tokens adds what the tokenizer.json post-processor adds (BOS for
 * Mistral; nothing for Qwen3 and the early Llama-3 release), which is what HF transformers does too.
 */
public final class HfTokenizer implements TextTokenizer {
    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerConfig config;
    private final String[] tokenOfId;
    private final Map<String, Integer> idOfToken;
    private final Set<String> specialTokens;
    private final Path source;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, TokenizerConfig config, String[] tokenOfId,
                        Map<String, Integer> idOfToken, Set<String> specialTokens, Path source) {
        this.tokenizer = tokenizer;
        this.config = config;
        this.tokenOfId = tokenOfId;
        this.idOfToken = idOfToken;
        this.specialTokens = specialTokens;
        this.source = source;
    }

    /**
     * Loads from a folder holding tokenizer.json (or tokenizer.json.gz) and optionally tokenizer_config.json /
     * special_tokens_map.json, or from the tokenizer.json[.gz] file itself (config read from its folder).
     */
    public static HfTokenizer load(Path path) {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = path.resolve("tokenizer.json");
            if (!Files.isRegularFile(file)) {
                file = path.resolve("tokenizer.json.gz");
            }
            if (!Files.isRegularFile(file)) {
                throw new UserInputException(path + ": no tokenizer.json (or tokenizer.json.gz) in this folder");
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        byte[] json = readJson(file);
        TokenizerJsonGuard.check(file, json);
        Vocabulary vocab = Vocabulary.read(file, json);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new UserInputException(file + ": the tokenizers library rejected this tokenizer.json ("
                    + e.getMessage() + ")", e);
        }
        return new HfTokenizer(tokenizer, TokenizerConfig.load(dir), vocab.tokenOfId, vocab.idOfToken,
                vocab.specialTokens, file);
    }

    private static byte[] readJson(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            InputStream plain = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
            return plain.readAllBytes();
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read tokenizer (" + e.getMessage() + ")", e);
        }
    }

    public TokenizerConfig config() {
        return config;
    }

    public Path source() {
        return source;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return toInts(tokenizer.encode(text, addSpecialTokens, false).getIds());
    }

    @Override
    public TokenSpans encodeWithSpans(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        int[] ids = toInts(encoding.getIds());
        CharSpan[] spans = encoding.getCharTokenSpans();
        int[] charIndex = charIndexOfCodePoint(text);
        int[] start = new int[ids.length];
        int[] end = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            // DJL returns null for tokens with no offsets; such a token covers nothing.
            start[i] = spans[i] == null ? 0 : charIndex[spans[i].getStart()];
            end[i] = spans[i] == null ? 0 : charIndex[spans[i].getEnd()];
        }
        return new TokenSpans(ids, start, end);
    }

    /** The Rust library reports offsets in code points; a Java string indexes UTF-16 chars (emoji take two). */
    private static int[] charIndexOfCodePoint(String text) {
        int[] index = new int[text.codePointCount(0, text.length()) + 1];
        int cp = 0;
        for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
            index[cp++] = i;
        }
        index[cp] = text.length();
        return index;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i]);
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    @Override
    public String token(int id) {
        checkId(id);
        return tokenOfId[id];
    }

    /** The id of a vocabulary entry or added token written as stored ("▁Hello", "&lt;|im_end|&gt;"), if any. */
    public OptionalInt idOf(String token) {
        Integer id = token == null ? null : idOfToken.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public int vocabSize() {
        return tokenOfId.length;
    }

    @Override
    public OptionalInt bosId() {
        return idOf(config.bosToken());
    }

    @Override
    public OptionalInt eosId() {
        return idOf(config.eosToken());
    }

    @Override
    public OptionalInt padId() {
        return idOf(config.padToken());
    }

    @Override
    public Optional<String> bosToken() {
        return Optional.ofNullable(config.bosToken());
    }

    @Override
    public Optional<String> eosToken() {
        return Optional.ofNullable(config.eosToken());
    }

    @Override
    public Set<String> specialTokens() {
        return specialTokens;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokenOfId.length || tokenOfId[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in " + source
                    + " (vocabulary size " + tokenOfId.length + ")");
        }
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** model.vocab (BPE/WordPiece map or Unigram list) and added_tokens of a tokenizer.json, streamed. */
    private record Vocabulary(String[] tokenOfId, Map<String, Integer> idOfToken, Set<String> specialTokens) {
        /** Far above any real vocabulary (Gemma's 262k); the same bound as a model config's vocab_size. */
        static final int MAX_VOCAB = 1 << 24;
        /** Real added tokens are short markers ("<|im_start|>"); Llama 3's longest is 28 characters. */
        static final int MAX_ADDED_TOKEN_CHARS = 1024;

        static Vocabulary read(Path file, byte[] json) {
            Map<String, Integer> ids = new HashMap<>();
            Set<String> special = new LinkedHashSet<>();
            ObjectMapper mapper = new ObjectMapper();
            try (JsonParser p = new JsonFactory().setCodec(mapper).createParser(json)) {
                expect(file, p, p.nextToken() == JsonToken.START_OBJECT, "a JSON object");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    if (field.equals("added_tokens") && p.currentToken() == JsonToken.START_ARRAY) {
                        for (JsonNode t : (JsonNode) p.readValueAsTree()) {
                            expect(file, p, t.path("content").isTextual() && t.path("id").canConvertToInt(),
                                    "added_tokens entries with \"id\" and \"content\"");
                            checkId(file, p, t.get("id").asInt());
                            // The tokenizers library compiles added tokens into its matcher: a huge one takes minutes.
                            expect(file, p, t.get("content").asText().length() <= MAX_ADDED_TOKEN_CHARS,
                                    "added_tokens contents of at most " + MAX_ADDED_TOKEN_CHARS + " characters");
                            ids.put(t.get("content").asText(), t.get("id").asInt());
                            if (t.path("special").asBoolean(false)) {
                                special.add(t.get("content").asText());
                            }
                        }
                    } else if (field.equals("model") && p.currentToken() == JsonToken.START_OBJECT) {
                        readModel(file, p, ids);
                    } else {
                        p.skipChildren();
                    }
                }
            } catch (StreamReadException e) {
                throw new UserInputException(file + (e.getLocation() == null ? "" : " line " + e.getLocation().getLineNr())
                        + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
            } catch (IOException e) {
                throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
            }
            if (ids.isEmpty()) {
                throw new UserInputException(file + ": no \"model\".\"vocab\" found; is this a Hugging Face "
                        + "tokenizer.json?");
            }
            int size = 0;
            for (int id : ids.values()) {
                size = Math.max(size, id + 1);
            }
            String[] tokens = new String[size];
            for (Map.Entry<String, Integer> e : ids.entrySet()) {
                tokens[e.getValue()] = e.getKey();
            }
            return new Vocabulary(tokens, ids, Collections.unmodifiableSet(special));
        }

        private static void readModel(Path file, JsonParser p, Map<String, Integer> ids) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("vocab") && value == JsonToken.START_OBJECT) {
                    Set<String> seen = new java.util.HashSet<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) { // BPE / WordPiece: {"token": id}
                        String token = p.currentName();
                        expect(file, p, p.nextToken() == JsonToken.VALUE_NUMBER_INT, "integer ids in model.vocab");
                        checkId(file, p, p.getLongValue());
                        // serde keeps a repeated key's last id, this map its first: they would disagree on ids.
                        if (!seen.add(token)) {
                            throw new UserInputException(file + " line " + p.currentLocation().getLineNr() + ": model.vocab has token '"
                                    + token + "' twice");
                        }
                        ids.putIfAbsent(token, p.getIntValue());
                    }
                } else if (field.equals("vocab") && value == JsonToken.START_ARRAY) {
                    int id = 0; // Unigram: [["piece", score], ...], the id is the position
                    while (p.nextToken() == JsonToken.START_ARRAY) {
                        expect(file, p, p.nextToken() == JsonToken.VALUE_STRING, "[piece, score] in model.vocab");
                        ids.putIfAbsent(p.getText(), id++);
                        p.nextToken();
                        p.nextToken();
                    }
                } else {
                    p.skipChildren();
                }
            }
        }

        /** Ids index an array of the vocabulary's size: a negative or huge id is refused before it is allocated. */
        private static void checkId(Path file, JsonParser p, long id) {
            if (id < 0 || id >= MAX_VOCAB) {
                throw new UserInputException(file + " line " + p.currentLocation().getLineNr() + ": token id " + id
                        + " is outside 0.." + (MAX_VOCAB - 1));
            }
        }

        private static void expect(Path file, JsonParser p, boolean ok, String what) {
            if (!ok) {
                throw new UserInputException(file + " line " + p.currentLocation().getLineNr() + ": expected "
                        + what + ", found " + p.currentToken());
            }
        }
    }
}
