package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.Example;
import dev.mutual.data.Example.Turn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OASST message trees (the HF {@code OpenAssistant/oasst1} export: one message per line with message_id,
 * parent_id, role, text, rank). Each prompter message is paired with its best-ranked assistant reply (lowest
 * {@code rank}; rank 0 is the reply human rankers preferred), as Humpback and LIMA-style seeds do. Replies with no
 * rank (an only child, never ranked) do not form a pair. A pair below the first turn keeps its conversation
 * (ancestors, then the pair) in {@link Example#turns()}.
 */
final class OasstTrees {
    private record Message(String id, String parentId, String role, String text, Integer rank, long line) {
    }

    private final List<Message> messages = new ArrayList<>();

    /** Adds one message record; throws when it lacks the tree fields. */
    void add(JsonNode r, long line) throws InvalidRecordException {
        String id = RecordParser.text(r, "message_id");
        String parent = RecordParser.optionalOrNull(r, "parent_id");
        String role = RecordParser.text(r, "role");
        if (!role.equals("prompter") && !role.equals("assistant")) {
            throw new InvalidRecordException("unknown role", "expected 'prompter' or 'assistant', found '" + role + "'");
        }
        String text = RecordParser.text(r, "text");
        JsonNode rank = r.get("rank");
        if (rank != null && !rank.isNull() && !rank.canConvertToInt()) {
            throw new InvalidRecordException("field 'rank' is not an integer", "expected an integer or null, found " + RecordParser.kind(rank));
        }
        messages.add(new Message(id, parent, role, text, rank == null || rank.isNull() ? null : rank.asInt(), line));
    }

    int messageCount() {
        return messages.size();
    }

    /** The (prompter, best-ranked reply) pairs, in the file order of the prompter messages. */
    List<Example> pairs(String file) {
        Map<String, Message> byId = new HashMap<>();
        Map<String, Message> bestReply = new HashMap<>();
        for (Message m : messages) byId.put(m.id, m);
        for (Message m : messages) {
            if (!m.role.equals("assistant") || m.parentId == null || m.rank == null) continue;
            Message best = bestReply.get(m.parentId);
            if (best == null || m.rank < best.rank) bestReply.put(m.parentId, m);
        }
        List<Example> pairs = new ArrayList<>();
        for (Message prompt : messages) {
            Message reply = bestReply.get(prompt.id);
            if (!prompt.role.equals("prompter") || reply == null) continue;
            List<Turn> turns = new ArrayList<>();
            for (Message a = byId.get(prompt.parentId); a != null; a = byId.get(a.parentId)) {
                turns.add(0, new Turn(a.role.equals("prompter") ? "user" : "assistant", a.text));
            }
            if (!turns.isEmpty()) {
                turns.add(new Turn("user", prompt.text));
                turns.add(new Turn("assistant", reply.text));
            }
            pairs.add(new Example(reply.id, prompt.text, "", reply.text, null, null, file, reply.line, turns));
        }
        return pairs;
    }
}
