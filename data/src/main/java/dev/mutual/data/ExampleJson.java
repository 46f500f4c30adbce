package dev.mutual.data;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON object of an {@link Example} in prepared files (data.jsonl, dropped.jsonl):
 * {@code {id, instruction?, input?, response, gold_instruction?, category?, source_file, source_line, turns?, weight?}}.
 * Absent keys are null/empty fields; {@code weight} is written only when it is not 1. Such files read back with the "prepared" format, which keeps the original
 * file and line as provenance.
 */
public final class ExampleJson {
    private ExampleJson() {
    }

    public static ObjectNode toJson(Example e) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", e.id());
        if (e.instruction() != null) o.put("instruction", e.instruction());
        if (!e.input().isEmpty()) o.put("input", e.input());
        o.put("response", e.response());
        if (e.goldInstruction() != null) o.put("gold_instruction", e.goldInstruction());
        if (e.category() != null) o.put("category", e.category());
        o.put("source_file", e.sourceFile());
        o.put("source_line", e.line());
        if (!e.turns().isEmpty()) {
            ArrayNode turns = o.putArray("turns");
            for (Example.Turn t : e.turns()) turns.addObject().put("role", t.role()).put("content", t.content());
        }
        if (e.weight() != 1.0) o.put("weight", e.weight());
        return o;
    }
}
