package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.Example;
import dev.mutual.data.Example.Turn;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns one JSON record of a known {@link Format} into an {@link Example}, or says what is wrong with it.
 * Multi-turn records (ShareGPT, OpenAI messages, alpaca with history) give their first user turn and the assistant
 * turn after it as the pair and keep the whole conversation in {@link Example#turns()}.
 * OASST trees need the whole file and live in {@link OasstTrees}.
 */
final class RecordParser {
    static final String HUMAN_MARK = "### Human: ";
    static final String ASSISTANT_MARK = " ### Assistant: ";

    private final String file;
    private final String stem;

    RecordParser(String file, String stem) {
        this.file = file;
        this.stem = stem;
    }

    Example parse(Format format, JsonNode r, long line) throws InvalidRecordException {
        String id = idOf(r, line);
        Example e = switch (format) {
            case ALPACA -> alpaca(r, id, line);
            // Dolly calls the extra text "context"; prepared files (ExampleJson) call it "input".
            case DOLLY -> Example.pair(id, text(r, "instruction"), r.has("context") ? optional(r, "context") : optional(r, "input"), text(r, "response"),
                    optionalOrNull(r, "category"), file, line);
            case SELF_INSTRUCT -> selfInstruct(r, id, line);
            case SHAREGPT -> conversation(turns(r, "conversations", "from", "value"), id, line);
            case OPENAI -> conversation(turns(r, "messages", "role", "content"), id, line);
            case RESPONSES -> Example.unlabelled(id, text(r, "response"), optionalOrNull(r, "gold_instruction"), file, line);
            case TEXT -> Example.unlabelled(id, text(r, "text"), null, file, line);
            case HUMAN_ASSISTANT -> humanAssistant(text(r, "text"), id, line);
            case PREPARED -> prepared(r, id);
            case OASST -> throw new IllegalStateException("OASST trees are read by OasstTrees");
        };
        return r.has("weight") ? e.withWeight(weight(r.get("weight"))) : e;
    }

    /**
     * The optional per-example loss weight any JSON record may carry (MAIN's weighted retraining writes it; a
     * prepared data.jsonl keeps it): a finite number >= 0, where 0 drops the example from the loss.
     */
    static double weight(JsonNode v) throws InvalidRecordException {
        if (v.isNull() || !v.isNumber()) {
            throw new InvalidRecordException("field 'weight' is not a number", "expected a number >= 0, found " + kind(v));
        }
        double w = v.asDouble();
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new InvalidRecordException("bad field 'weight'", "expected a finite number >= 0, found " + v);
        }
        return w;
    }

    private Example alpaca(JsonNode r, String id, long line) throws InvalidRecordException {
        String instruction = text(r, "instruction");
        String input = optional(r, "input");
        String output = text(r, "output");
        JsonNode history = r.get("history");
        if (history == null || history.isNull() || history.isEmpty()) {
            return Example.pair(id, instruction, input, output, null, file, line);
        }
        // LLaMA-Factory alpaca: history = earlier [query, answer] turns; instruction/input/output is the last turn.
        if (!history.isArray()) throw new InvalidRecordException("field 'history' is not a list",
                "expected a list of [query, answer] pairs, found " + kind(history));
        List<Turn> turns = new ArrayList<>();
        for (JsonNode qa : history) {
            if (!qa.isArray() || qa.size() != 2 || !qa.get(0).isTextual() || !qa.get(1).isTextual()) {
                throw new InvalidRecordException("bad 'history' turn", "expected [query, answer] strings, found " + qa);
            }
            turns.add(new Turn("user", qa.get(0).asText()));
            turns.add(new Turn("assistant", qa.get(1).asText()));
        }
        turns.add(new Turn("user", input.isEmpty() ? instruction : instruction + "\n\n" + input));
        turns.add(new Turn("assistant", output));
        return new Example(id, nonBlank(turns.get(0).content(), "history[0][0]"), "",
                nonBlank(turns.get(1).content(), "history[0][1]"), null, null, file, line, turns);
    }

    /** A record written by {@link dev.mutual.data.ExampleJson}: the original file and line are kept as provenance. */
    private Example prepared(JsonNode r, String id) throws InvalidRecordException {
        String instruction = optionalOrNull(r, "instruction");
        String gold = optionalOrNull(r, "gold_instruction");
        if (instruction != null && gold != null) {
            throw new InvalidRecordException("both 'instruction' and 'gold_instruction'",
                    "expected a pair (instruction) or an unlabelled item (gold_instruction or neither), found both");
        }
        if (instruction != null) nonBlank(instruction, "field 'instruction'");
        JsonNode line = r.get("source_line");
        if (line == null) throw new InvalidRecordException("missing field 'source_line'", "expected a line number (a record written by data prepare), found no such key");
        if (!line.canConvertToLong()) throw new InvalidRecordException("field 'source_line' is not a number", "expected a line number, found " + kind(line));
        List<Turn> turns = r.has("turns") ? turns(r, "turns", "role", "content") : List.of();
        return new Example(id, instruction, optional(r, "input"), text(r, "response"), gold, optionalOrNull(r, "category"),
                text(r, "source_file"), line.asLong(), turns);
    }

    private Example selfInstruct(JsonNode r, String id, long line) throws InvalidRecordException {
        String instruction = text(r, "instruction");
        JsonNode instances = r.get("instances");
        if (instances == null || !instances.isArray() || instances.isEmpty() || !instances.get(0).isObject()) {
            throw new InvalidRecordException("no 'instances'", "expected a non-empty list of {input, output}, found "
                    + (instances == null ? "no such key" : instances));
        }
        JsonNode first = instances.get(0);
        return Example.pair(id, instruction, optional(first, "input"), text(first, "output"), null, file, line);
    }

    private Example humanAssistant(String text, String id, long line) throws InvalidRecordException {
        int at = text.indexOf(ASSISTANT_MARK);
        if (!text.startsWith(HUMAN_MARK) || at < 0 || text.indexOf(ASSISTANT_MARK, at + 1) >= 0) {
            throw new InvalidRecordException("not a '### Human: ... ### Assistant: ...' text",
                    "expected one '" + HUMAN_MARK.trim() + "' prefix and one '" + ASSISTANT_MARK.trim() + "' separator, found "
                            + quote(text));
        }
        String instruction = nonBlank(text.substring(HUMAN_MARK.length(), at), "human part");
        String response = nonBlank(text.substring(at + ASSISTANT_MARK.length()), "assistant part");
        return Example.pair(id, instruction, "", response, null, file, line);
    }

    /** The first user turn and the assistant turn right after it (after any leading system turns). */
    private Example conversation(List<Turn> turns, String id, long line) throws InvalidRecordException {
        int i = 0;
        while (i < turns.size() && turns.get(i).role().equals("system")) i++;
        if (i + 1 >= turns.size() || !turns.get(i).role().equals("user") || !turns.get(i + 1).role().equals("assistant")) {
            List<String> roles = new ArrayList<>();
            for (Turn t : turns) roles.add(t.role());
            throw new InvalidRecordException("no first user/assistant exchange",
                    "expected a user turn followed by an assistant turn, found roles " + roles);
        }
        String instruction = nonBlank(turns.get(i).content(), "first user turn");
        String response = nonBlank(turns.get(i + 1).content(), "first assistant turn");
        List<Turn> kept = turns.size() > 2 ? turns : List.of();
        return new Example(id, instruction, "", response, null, null, file, line, kept);
    }

    private static List<Turn> turns(JsonNode r, String listKey, String roleKey, String textKey) throws InvalidRecordException {
        JsonNode list = r.get(listKey);
        if (list == null || !list.isArray()) {
            throw new InvalidRecordException("field '" + listKey + "' is not a list",
                    "expected a list of {" + roleKey + ", " + textKey + "}, found " + kind(list));
        }
        List<Turn> turns = new ArrayList<>();
        for (JsonNode m : list) {
            String role = m.path(roleKey).asText(null);
            JsonNode content = m.get(textKey);
            if (role == null || content == null || !content.isTextual()) {
                throw new InvalidRecordException("bad '" + listKey + "' entry",
                        "expected {" + roleKey + ": string, " + textKey + ": string}, found " + quote(m.toString()));
            }
            turns.add(new Turn(role(role), content.asText()));
        }
        return turns;
    }

    /** ShareGPT and OpenAI role names mapped onto user / assistant / system. */
    private static String role(String name) throws InvalidRecordException {
        return switch (name.toLowerCase()) {
            case "human", "user", "prompter" -> "user";
            case "gpt", "assistant", "chatgpt", "bard", "bing", "model" -> "assistant";
            case "system" -> "system";
            default -> throw new InvalidRecordException("unknown role",
                    "expected human/user, gpt/assistant or system, found '" + name + "'");
        };
    }

    private String idOf(JsonNode r, long line) {
        for (String key : new String[] {"id", "doc_id", "message_id"}) {
            JsonNode v = r.get(key);
            if (v != null && (v.isTextual() || v.isNumber()) && !v.asText().isEmpty()) return v.asText();
        }
        return stem + "-" + line;
    }

    /** A required non-blank string field. */
    static String text(JsonNode r, String key) throws InvalidRecordException {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) {
            throw new InvalidRecordException("missing field '" + key + "'",
                    "expected a non-empty string, found " + (v == null ? "no such key; keys: " + Format.keysOf(r) : "null"));
        }
        if (!v.isTextual()) {
            throw new InvalidRecordException("field '" + key + "' is not a string", "expected a string, found " + kind(v));
        }
        return nonBlank(v.asText(), "field '" + key + "'");
    }

    /** An optional string field: "" when absent or null. */
    static String optional(JsonNode r, String key) throws InvalidRecordException {
        String v = optionalOrNull(r, key);
        return v == null ? "" : v;
    }

    static String optionalOrNull(JsonNode r, String key) throws InvalidRecordException {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) {
            throw new InvalidRecordException("field '" + key + "' is not a string", "expected a string or null, found " + kind(v));
        }
        return v.asText();
    }

    private static String nonBlank(String s, String what) throws InvalidRecordException {
        if (s.isBlank()) throw new InvalidRecordException("empty " + what, "expected non-empty text, found " + quote(s));
        return s;
    }

    static String kind(JsonNode v) {
        return v == null ? "nothing" : v.getNodeType().toString().toLowerCase() + " " + abbreviate(v.toString());
    }

    static String quote(String s) {
        return '"' + abbreviate(s) + '"';
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
