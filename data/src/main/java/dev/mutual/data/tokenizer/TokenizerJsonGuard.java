package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Checks a tokenizer.json before the Rust tokenizers library (through DJL) sees it. That library {@code expect}s
 * success when it re-reads the normalizer, pre-tokenizer, post-processor and decoder sections, so JSON that
 * serde_json refuses there panics, and a panic across JNI aborts the whole JVM ("fatal runtime error", no message).
 * What serde_json refuses but Jackson reads is refused here with the file and line: nesting past its recursion limit
 * (128), a number beyond a double's range, a string with an unpaired surrogate escape ("\ud800").
 */
final class TokenizerJsonGuard {
    /** Real tokenizer.json files nest a handful of levels; serde_json stops at 128. */
    static final int MAX_DEPTH = 64;

    private TokenizerJsonGuard() {
    }

    static void check(Path file, byte[] json) {
        try (JsonParser p = new JsonFactory().createParser(json)) {
            int depth = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isStructEnd()) depth--;
                if (t.isStructStart() && ++depth > MAX_DEPTH) {
                    throw bad(file, p, "JSON nested more than " + MAX_DEPTH + " levels deep (a tokenizer.json nests a few levels)");
                }
                if (t.isNumeric() && Double.isInfinite(p.getDoubleValue())) {
                    throw bad(file, p, "number " + abbreviate(p.getText()) + " is beyond a double's range");
                }
                if ((t == JsonToken.VALUE_STRING || t == JsonToken.FIELD_NAME) && unpairedSurrogate(p.getText())) {
                    throw bad(file, p, "string " + abbreviate(p.getText()) + " holds an unpaired UTF-16 surrogate (not Unicode text)");
                }
            }
        } catch (JsonProcessingException e) {
            throw new UserInputException(file + " line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr())
                    + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static UserInputException bad(Path file, JsonParser p, String what) {
        return new UserInputException(file + " line " + p.currentLocation().getLineNr() + ": " + what
                + "; the tokenizers library cannot read it");
    }

    static boolean unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
