package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Checks a tokenizer.json before the Rust tokenizers library (through DJL) sees it. That library {@code expect}s
 * success when it re-reads the normalizer, pre-tokenizer, post-processor and decoder sections, so JSON that
 * serde_json refuses there panics, and a panic across JNI aborts the whole JVM ("fatal runtime error", no message).
 * What serde_json refuses but Jackson reads is refused here with the file and line: nesting past its recursion limit
 * (128), a number beyond a double's range, a string with an unpaired surrogate escape ("\ud800"). So is a
 * TemplateProcessing post-processor whose template names a special token it does not define: the library looks it up
 * with a panicking index at the first encode.
 */
final class TokenizerJsonGuard {
    /** Real tokenizer.json files nest a handful of levels; serde_json stops at 128. */
    static final int MAX_DEPTH = 64;

    private TokenizerJsonGuard() {
    }

    static void check(Path file, byte[] json) {
        scan(file, json);
        JsonNode processor = postProcessor(file, json);
        if (processor != null) checkProcessor(file, processor);
    }

    private static void scan(Path file, byte[] json) {
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

    /** The top-level "post_processor" object, or null; the file is known to be valid JSON by now. */
    private static JsonNode postProcessor(Path file, byte[] json) {
        try (JsonParser p = new ObjectMapper().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("post_processor")) return p.readValueAsTree();
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static void checkProcessor(Path file, JsonNode processor) {
        String type = processor.path("type").asText("");
        if (type.equals("Sequence")) {
            for (JsonNode p : processor.path("processors")) checkProcessor(file, p);
            return;
        }
        if (!type.equals("TemplateProcessing")) return;
        JsonNode special = processor.path("special_tokens");
        for (String template : new String[] {"single", "pair"}) {
            for (JsonNode piece : processor.path(template)) {
                JsonNode token = piece.path("SpecialToken");
                if (token.isMissingNode()) continue;
                String id = token.path("id").asText("");
                JsonNode defined = special.path(id);
                if (!defined.isObject()) {
                    throw new UserInputException(file + ": post_processor." + template + " uses special token '" + id
                            + "', which post_processor.special_tokens does not define; the tokenizers library cannot encode with it");
                }
                if (!defined.path("ids").isArray() || !defined.path("tokens").isArray() || defined.path("ids").size() != defined.path("tokens").size()) {
                    throw new UserInputException(file + ": post_processor.special_tokens['" + id + "'] needs lists 'ids' and 'tokens' of the"
                            + " same length; the tokenizers library cannot encode with it");
                }
            }
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
