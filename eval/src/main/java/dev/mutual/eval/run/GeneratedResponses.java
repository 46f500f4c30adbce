package dev.mutual.eval.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.AtomicFile;
import dev.mutual.eval.GenerationSettings;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The responses a model generated for a benchmark, kept beside results.json as {@value #FILE} (one JSON object per
 * line), so they can be read, passed back as {@code --responses}, or judged later.
 */
public final class GeneratedResponses {
    /** The file name beside results.json. */
    public static final String FILE = "responses.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private GeneratedResponses() {}

    /** Writes {@code rows} as JSON lines to DIR/responses.jsonl, atomically; returns the file. */
    public static Path write(Path dir, List<Map<String, Object>> rows) {
        Path file = dir.resolve(FILE);
        StringBuilder text = new StringBuilder();
        try {
            for (Map<String, Object> row : rows) text.append(JSON.writeValueAsString(row)).append('\n');
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        AtomicFile.writeString(file, text.toString());
        return file;
    }

    /** One line: the item's id under {@code idKey}, its prompt and the response. */
    static Map<String, Object> row(String idKey, Object id, String prompt, String response) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put(idKey, id);
        row.put("prompt", prompt);
        row.put("response", response);
        return row;
    }

    /**
     * What results.json records about how the responses were generated.
     *
     * @param chatTemplate the chat template's name, recorded when the settings prompt in chat form
     */
    public static Map<String, Object> settings(GenerationSettings generation, String chatTemplate) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (generation.chat()) out.put("chat_template", chatTemplate);
        out.put("max_new_tokens", generation.maxNewTokens());
        out.put("temperature", generation.temperature());
        out.put("top_p", generation.topP());
        out.put("seed", generation.seed());
        out.put("responses_file", FILE);
        return out;
    }
}
