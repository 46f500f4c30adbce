package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.Example;
import dev.mutual.data.Example.Turn;
import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * OASST message trees (the HF {@code OpenAssistant/oasst1} export: one message per line with message_id,
 * parent_id, role, text, rank). Each prompter message is paired with its best-ranked assistant reply (lowest
 * {@code rank}; rank 0 is the reply human rankers preferred), as Humpback and LIMA-style seeds do. Replies with no
 * rank (an only child, never ranked) do not form a pair. A pair below the first turn keeps its conversation
 * (ancestors, then the pair) in {@link Example#turns()}.
 * <p>
 * The file is untrusted: a repeated message_id is an invalid record, and parent_id links that form a cycle (a message
 * that is its own parent, or two that are each other's) stop the read naming the file and line, instead of walking
 * the ancestors forever.
 */
final class OasstTrees {
    private record Message(String id, String parentId, String role, String text, Integer rank, long line) {
    }

    /** Longest conversation kept (root to reply); OASST's deepest trees are a few dozen messages. */
    static final int MAX_DEPTH = 1000;

    private final List<Message> messages = new ArrayList<>();
    /** message_id to the line that first used it. */
    private final Map<String, Long> lineOfId = new HashMap<>();

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
        Long first = lineOfId.putIfAbsent(id, line);
        if (first != null) {
            throw new InvalidRecordException("duplicate message_id", "expected a message_id used once, found '" + id + "' again (first on line " + first + ")");
        }
        messages.add(new Message(id, parent, role, text, rank == null || rank.isNull() ? null : rank.asInt(), line));
    }

    int messageCount() {
        return messages.size();
    }

    /** The (prompter, best-ranked reply) pairs, in the file order of the prompter messages. */
    List<Example> pairs(Path file) {
        Map<String, Message> byId = new HashMap<>();
        Map<String, Message> bestReply = new HashMap<>();
        for (Message m : messages) byId.put(m.id, m);
        rejectCycles(byId, file);
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
                turns.add(new Turn(a.role.equals("prompter") ? "user" : "assistant", a.text));
            }
            if (!turns.isEmpty()) {
                Collections.reverse(turns); // root first
                turns.add(new Turn("user", prompt.text));
                turns.add(new Turn("assistant", reply.text));
            }
            pairs.add(new Example(reply.id, prompt.text, "", reply.text, null, null, file.toString(), reply.line, turns));
        }
        return pairs;
    }

    /**
     * Follows every message's parent_id chain once, so the ancestor walk in {@link #pairs} always ends at a root or
     * at a parent missing from the file, within {@link #MAX_DEPTH} steps (each pair copies its ancestors, so a
     * chain of n messages would cost n^2 turns).
     */
    private void rejectCycles(Map<String, Message> byId, Path file) {
        Map<String, Integer> depth = new HashMap<>(); // 0: on the chain being followed; n > 0: ends n messages up
        for (Message start : messages) {
            List<Message> chain = new ArrayList<>();
            Message m = start;
            while (m != null && !depth.containsKey(m.id)) {
                depth.put(m.id, 0);
                chain.add(m);
                m = m.parentId == null ? null : byId.get(m.parentId);
            }
            if (m != null && depth.get(m.id) == 0) throw cycle(chain.subList(chain.indexOf(m), chain.size()), file);
            int d = m == null ? 0 : depth.get(m.id);
            for (int i = chain.size() - 1; i >= 0; i--) {
                Message c = chain.get(i);
                if (++d > MAX_DEPTH) {
                    throw new UserInputException(JsonRecords.where(file, c.line) + ": message '" + c.id + "' is " + d + " messages deep"
                            + " (expected conversations of at most " + MAX_DEPTH + " messages, found a longer parent_id chain)");
                }
                depth.put(c.id, d);
            }
        }
    }

    /** The cycle (each message followed by its parent) reported from its first line in the file. */
    private static UserInputException cycle(List<Message> found, Path file) {
        List<Message> cycle = new ArrayList<>(found);
        Message first = cycle.stream().min(Comparator.comparingLong(Message::line)).orElseThrow();
        Collections.rotate(cycle, -cycle.indexOf(first));
        if (cycle.size() == 1) {
            return new UserInputException(JsonRecords.where(file, first.line) + ": message '" + first.id + "' is its own parent"
                    + " (expected parent_id to name another message or null, found '" + first.parentId + "')");
        }
        List<Message> shown = cycle.size() <= 6 ? cycle : cycle.subList(0, 6);
        String ids = shown.stream().map(c -> "'" + c.id + "' (line " + c.line + ")").collect(Collectors.joining(" -> "));
        return new UserInputException(JsonRecords.where(file, first.line) + ": parent_id cycle of " + cycle.size() + " messages"
                + " (expected message trees, found " + ids + (cycle.size() > shown.size() ? " -> ..." : " -> '" + first.id + "'") + ")");
    }
}
