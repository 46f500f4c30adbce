package dev.mutual.data.tokenizer;

import dev.mutual.data.UserInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Text to token ids and back. Two implementations: {@link HfTokenizer} (a Hugging Face tokenizer.json through
 * DJL, never truncating) and {@link Llama2cTokenizer} (llama2.c's tokenizer.bin, encoded exactly as run.c).
 * Special tokens written in the text (e.g. "&lt;|im_end|&gt;") are recognised by HF tokenizers, which is
 * what lets a rendered chat template become ids: see {@link #encodeWithSpans(String)}.
 */
public interface TextTokenizer extends AutoCloseable {

    /** Ids of {@code text}, with the special tokens the tokenizer adds around it (e.g. BOS) when asked. */
    int[] encode(String text, boolean addSpecialTokens);

    /** Same as {@code encode(text, true)}. */
    default int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes a rendered chat (or any text that already contains its special tokens as text) without adding
     * any, and says which characters each token covers, so a caller can map character ranges (an assistant
     * reply) to tokens exactly. For HF tokenizers the ids equal {@code encode(text, false)}; llama2.c's encode()
     * knows no special tokens, so {@link Llama2cTokenizer} first splits the text at "&lt;s&gt;" and "&lt;/s&gt;".
     */
    TokenSpans encodeWithSpans(String text);

    /** Text of {@code ids}; special tokens are dropped when {@code skipSpecialTokens}. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** Same as {@code decode(ids, true)}. */
    default String decode(int[] ids) {
        return decode(ids, true);
    }

    /** The vocabulary entry for {@code id} as stored (e.g. "▁Hello", "ĠHello", "&lt;0x0A&gt;", "&lt;|im_end|&gt;"). */
    String token(int id);

    /** Number of ids this tokenizer can produce (base vocabulary plus added tokens). */
    int vocabSize();

    OptionalInt bosId();

    OptionalInt eosId();

    OptionalInt padId();

    /** BOS as written in a chat template ("&lt;s&gt;", "&lt;|begin_of_text|&gt;"); empty when the tokenizer has none. */
    Optional<String> bosToken();

    /** EOS as written in a chat template ("&lt;/s&gt;", "&lt;|im_end|&gt;"). */
    Optional<String> eosToken();

    /** Text of the special tokens (BOS, EOS, control tokens) as they are written in a chat template. */
    Set<String> specialTokens();

    /** Frees native memory (DJL); a no-op for pure-Java tokenizers. */
    @Override
    void close();

    /**
     * Loads a tokenizer, choosing by path: a folder or a {@code tokenizer.json[.gz]} file gives an
     * {@link HfTokenizer} (with tokenizer_config.json from the same folder when present); a {@code .bin} file
     * gives a {@link Llama2cTokenizer}.
     */
    static TextTokenizer load(Path path) {
        if (!Files.exists(path)) {
            throw new UserInputException(path + ": tokenizer not found (expected a folder with tokenizer.json, "
                    + "a tokenizer.json file or a llama2.c tokenizer .bin)");
        }
        String name = path.getFileName().toString();
        if (Files.isDirectory(path) || name.endsWith(".json") || name.endsWith(".json.gz")) {
            return HfTokenizer.load(path);
        }
        if (name.endsWith(".bin")) {
            return Llama2cTokenizer.load(path);
        }
        throw new UserInputException(path + ": unknown tokenizer format (expected a folder, tokenizer.json, "
                + "tokenizer.json.gz or a llama2.c .bin file)");
    }
}
