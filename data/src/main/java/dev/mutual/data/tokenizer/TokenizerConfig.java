package dev.mutual.data.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a Hugging Face {@code tokenizer_config.json} (and {@code special_tokens_map.json}) that Mutual
 * uses. Read with Jackson because the real files defeat strict readers: {@code model_max_length} is often
 * 1e30, special tokens come as a string or as an AddedToken object ({@code {"content": "<s>", ...}}), and
 * {@code chat_template} is a string or a list of {@code {"name", "template"}} entries.
 *
 * @param bosToken          e.g. "<s>"; null when the tokenizer has none (Qwen)
 * @param eosToken          e.g. "</s>", "<|im_end|>"
 * @param padToken          null when unset (Mistral, Llama 3)
 * @param unkToken          null when unset
 * @param addBosToken       {@code add_bos_token} as written; false when absent (the tokenizer.json post-processor
 *                          is what actually adds BOS when encoding with special tokens)
 * @param addEosToken       {@code add_eos_token} as written; false when absent
 * @param chatTemplates     named Jinja chat templates; a plain string is stored under "default"
 * @param modelMaxLength    {@code model_max_length}; Long.MAX_VALUE when absent or "unlimited" (HF writes 1e30)
 * @param additionalSpecialTokens {@code additional_special_tokens} strings, e.g. "<|im_start|>"
 * @param tokenizerClass    e.g. "LlamaTokenizer", "Qwen2Tokenizer"; null when absent
 */
public record TokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken,
                              boolean addBosToken, boolean addEosToken, Map<String, String> chatTemplates,
                              long modelMaxLength, List<String> additionalSpecialTokens, String tokenizerClass) {

    /** No configuration at all: what a bare tokenizer.json gets. */
    public static final TokenizerConfig EMPTY =
            new TokenizerConfig(null, null, null, null, false, false, Map.of(), Long.MAX_VALUE, List.of(), null);

    public TokenizerConfig {
        chatTemplates = Map.copyOf(chatTemplates);
        additionalSpecialTokens = List.copyOf(additionalSpecialTokens);
        if (modelMaxLength <= 0) {
            throw new IllegalArgumentException("modelMaxLength must be positive, got " + modelMaxLength);
        }
    }

    /** The template HF would use by default: the "default" entry, or the only one when there is one. */
    public Optional<String> chatTemplate() {
        if (chatTemplates.containsKey("default")) {
            return Optional.of(chatTemplates.get("default"));
        }
        return chatTemplates.size() == 1 ? chatTemplates.values().stream().findFirst() : Optional.empty();
    }

    /**
     * Reads {@code tokenizer_config.json} from {@code dir}, then fills still-missing special tokens from
     * {@code special_tokens_map.json} when present. A folder with neither file gives {@link #EMPTY}.
     */
    public static TokenizerConfig load(Path dir) {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode config = readIfPresent(mapper, dir.resolve("tokenizer_config.json"));
        JsonNode specialMap = readIfPresent(mapper, dir.resolve("special_tokens_map.json"));
        if (config == null && specialMap == null) {
            return EMPTY;
        }
        Path file = dir.resolve(config != null ? "tokenizer_config.json" : "special_tokens_map.json");
        JsonNode c = config != null ? config : mapper.createObjectNode();
        JsonNode s = specialMap != null ? specialMap : mapper.createObjectNode();
        return new TokenizerConfig(
                special(file, c, s, "bos_token"), special(file, c, s, "eos_token"),
                special(file, c, s, "pad_token"), special(file, c, s, "unk_token"),
                bool(file, c, "add_bos_token"), bool(file, c, "add_eos_token"),
                chatTemplates(file, c.get("chat_template")), maxLength(file, c.get("model_max_length")),
                stringList(file, c.has("additional_special_tokens") ? c : s, "additional_special_tokens"),
                c.hasNonNull("tokenizer_class") ? c.get("tokenizer_class").asText() : null);
    }

    private static JsonNode readIfPresent(ObjectMapper mapper, Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new UserInputException(file + ": expected a JSON object, found "
                        + (node == null ? "an empty file" : node.getNodeType()));
            }
            return node;
        } catch (JsonProcessingException e) {
            // A broken limit (nesting past Jackson's 1000 levels) comes without a location.
            String line = e.getLocation() == null ? "" : " line " + e.getLocation().getLineNr();
            throw new UserInputException(file + line + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** A special token in either form: "<s>" or {"content": "<s>", "lstrip": false, ...}. */
    private static String special(Path file, JsonNode config, JsonNode specialMap, String key) {
        JsonNode node = config.has(key) ? config.get(key) : specialMap.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").asText();
        }
        throw new UserInputException(file + " key \"" + key
                + "\": expected a string or an object with \"content\", found " + node);
    }

    private static boolean bool(Path file, JsonNode config, String key) {
        JsonNode node = config.get(key);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw new UserInputException(file + " key \"" + key + "\": expected true or false, found " + node);
        }
        return node.asBoolean();
    }

    private static Map<String, String> chatTemplates(Path file, JsonNode node) {
        Map<String, String> templates = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return templates;
        }
        if (node.isTextual()) {
            templates.put("default", node.asText());
            return templates;
        }
        if (node.isArray()) {
            for (JsonNode entry : node) {
                if (!entry.path("name").isTextual() || !entry.path("template").isTextual()) {
                    throw new UserInputException(file + " key \"chat_template\": expected entries like "
                            + "{\"name\": ..., \"template\": ...}, found " + abbreviate(entry.toString()));
                }
                templates.put(entry.get("name").asText(), entry.get("template").asText());
            }
            return templates;
        }
        throw new UserInputException(file + " key \"chat_template\": expected a string or a list of named "
                + "templates, found " + node.getNodeType());
    }

    /** HF writes int(1e30) for "no limit"; anything that does not fit a long means the same. */
    private static long maxLength(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return Long.MAX_VALUE;
        }
        if (!node.isNumber() || node.asDouble() <= 0) {
            throw new UserInputException(file + " key \"model_max_length\": expected a positive number, found "
                    + node);
        }
        return node.canConvertToLong() ? node.asLong() : Long.MAX_VALUE;
    }

    private static List<String> stringList(Path file, JsonNode config, String key) {
        List<String> out = new ArrayList<>();
        JsonNode node = config.get(key);
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new UserInputException(file + " key \"" + key + "\": expected a list, found " + node.getNodeType());
        }
        for (JsonNode item : node) {
            if (item.isTextual()) {
                out.add(item.asText());
            } else if (item.path("content").isTextual()) {
                out.add(item.get("content").asText());
            } else {
                throw new UserInputException(file + " key \"" + key + "\": expected strings or AddedToken "
                        + "objects, found " + item);
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
