package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The training- and unlabelled-side data formats the readers know, with the keys that identify each.
 * {@link #detect} looks at the first record's keys, in the order of this enum (more specific formats first).
 */
public enum Format {
    /** The output of {@code mutual data prepare} ({@link dev.mutual.data.ExampleJson}): pairs and unlabelled items mixed, provenance kept. */
    PREPARED("prepared", "id, instruction (pairs only), response, gold_instruction, source_file, source_line: output of data prepare"),
    /** OASST message stream: {message_id, parent_id, role, text, rank}; a prompter message paired with its best-ranked reply. */
    OASST("oasst", "message_id, parent_id, role, text, rank: OASST message trees"),
    /** ShareGPT: {conversations: [{from, value}]}; the first human turn and the gpt turn after it form the pair. */
    SHAREGPT("sharegpt", "conversations: [{from, value}]"),
    /** OpenAI chat: {messages: [{role, content}]}; the first user turn and the assistant turn after it form the pair. */
    OPENAI("openai", "messages: [{role, content}]"),
    /** Unlabelled responses: {response, gold_instruction?, id?}; the gold instruction is kept aside, never used. */
    RESPONSES("responses", "response, gold_instruction (optional): unlabelled responses"),
    /** Self-Instruct tasks: {instruction, instances: [{input, output}]}; the first instance gives input and response. */
    SELF_INSTRUCT("self_instruct", "instruction, instances: [{input, output}]"),
    /** Alpaca / LLaMA-Factory: {instruction, input?, output, history?: [[q, a], ...]}; history holds earlier turns. */
    ALPACA("alpaca", "instruction, input, output (history optional)"),
    /** Dolly: {instruction, context?, response, category?}. */
    DOLLY("dolly", "instruction, context (optional), response, category (optional)"),
    /** One text field "### Human: ... ### Assistant: ..." (the chinkara Dolly copy). */
    HUMAN_ASSISTANT("human_assistant", "text: \"### Human: ... ### Assistant: ...\""),
    /** Plain text (unlabelled pool): {text} per JSONL line, or one record per non-blank line of a .txt file. */
    TEXT("text", "text (or a .txt file, one item per line): unlabelled text");

    /** The name used in recipes and on the command line. */
    public final String id;
    /** The keys that identify the format, for error messages and help. */
    public final String keys;

    Format(String id, String keys) {
        this.id = id;
        this.keys = keys;
    }

    /** The format named {@code name} (case-insensitive); the message lists the known names when none matches. */
    public static Format byName(String name) {
        for (Format f : values()) {
            if (f.id.equalsIgnoreCase(name.trim())) return f;
        }
        throw new UserInputException("unknown data format '" + name + "' (expected one of: " + names() + ")");
    }

    /** "alpaca, dolly, ..." */
    public static String names() {
        List<String> names = new ArrayList<>();
        for (Format f : values()) names.add(f.id);
        return String.join(", ", names);
    }

    /** Detects the format of {@code file} from its first record; a {@code .txt} file is {@link #TEXT}. */
    public static Format detect(Path file) {
        if (JsonRecords.kind(file).equals("txt")) return TEXT;
        JsonNode first = JsonRecords.first(file);
        if (first == null) throw new UserInputException(file + ": no records, cannot detect its format (expected one of: " + names() + ")");
        Format f = detect(first);
        if (f == null) {
            StringBuilder known = new StringBuilder();
            for (Format k : values()) known.append("\n  ").append(k.id).append(": ").append(k.keys);
            throw new UserInputException(file + ": cannot tell the format from the first record's keys " + keysOf(first)
                    + "; name it with --format (format: in a recipe). Known formats:" + known);
        }
        return f;
    }

    /** The format a record's keys say, or null. */
    static Format detect(JsonNode r) {
        if (r.has("source_file") && r.has("source_line") && r.has("response")) return PREPARED;
        if (r.has("message_id") && r.has("parent_id") && r.has("role") && r.has("text")) return OASST;
        if (r.has("conversations")) return SHAREGPT;
        if (r.has("messages")) return OPENAI;
        if (r.has("response") && r.has("gold_instruction")) return RESPONSES;
        if (r.has("instruction") && r.has("instances")) return SELF_INSTRUCT;
        if (r.has("instruction") && r.has("output")) return ALPACA;
        if (r.has("instruction") && r.has("response")) return DOLLY;
        if (r.has("response")) return RESPONSES;
        if (r.has("text")) {
            return r.get("text").asText("").startsWith(RecordParser.HUMAN_MARK) ? HUMAN_ASSISTANT : TEXT;
        }
        return null;
    }

    static List<String> keysOf(JsonNode r) {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) keys.add(it.next());
        return keys;
    }

    @Override
    public String toString() {
        return id;
    }
}
