package dev.mutual.testing.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.mutual.testing.fuzz.Mutations.Mutated;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * JSON-aware mutations: a value changed to another type, dropped, set to an extreme number (huge, negative, NaN,
 * Infinity), nested thousands deep, a key written twice; across JSON Lines records, ids linked into cycles
 * (an OASST message its own parent, two messages each other's), records repeated, dropped, shuffled, or the file turned
 * into a JSON array. Raw tokens that Jackson will not write (NaN, 1e400, deep nesting, duplicate keys) go in as
 * placeholders replaced in the written text.
 */
final class JsonMutations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String[] NUMBERS = {"1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9223372036854775808",
            "-9223372036854775809", "2147483648", "-2147483649", "-1", "0", "1.5", "1e308", "-0", "4.9e-324",
            "99999999999999999999999999999", "2000000000", "65536", "1e9"};
    private static final String[] VALUES = {"null", "true", "false", "0", "\"\"", "\" \"", "[]", "{}", "[1,\"a\",null]",
            "{\"a\":1}", "\"x\"", "[[]]", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\u202e\\u0301\"", "\"\\r\\n\"",
            "\"\\uD83D\\uDE00\"", "{\"\":null}"};

    private JsonMutations() {
    }

    /** One value slot: a field of an object, an element of an array, or the root (parent null). */
    private record Slot(JsonNode parent, String field, int index) {
        JsonNode get(JsonNode root) {
            if (parent == null) return root;
            return field != null ? parent.get(field) : parent.get(index);
        }
    }

    /** Placeholders and the raw text that replaces their quoted form after writing. */
    private static final class Raw {
        final List<String[]> swaps = new ArrayList<>();

        TextNode token(String raw) {
            String mark = "@@FUZZ" + swaps.size() + "@@";
            swaps.add(new String[] {"\"" + mark + "\"", raw});
            return TextNode.valueOf(mark);
        }

        String key(String realKey) {
            String mark = "@@FUZZ" + swaps.size() + "@@";
            swaps.add(new String[] {"\"" + mark + "\"", quote(realKey)});
            return mark;
        }

        String apply(String text) {
            for (int i = swaps.size() - 1; i >= 0; i--) text = text.replace(swaps.get(i)[0], swaps.get(i)[1]);
            return text;
        }
    }

    static Mutated jsonLines(byte[] bytes, SplittableRandom rnd) {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        List<Integer> parsed = new ArrayList<>();
        JsonNode[] nodes = new JsonNode[lines.length];
        for (int i = 0; i < lines.length; i++) {
            nodes[i] = parse(lines[i]);
            if (nodes[i] != null) parsed.add(i);
        }
        if (parsed.isEmpty()) return Mutations.byteLevel(bytes, rnd);
        int pick = parsed.get(rnd.nextInt(parsed.size()));
        List<String> out = new ArrayList<>(Arrays.asList(lines));
        Raw raw = new Raw();
        String what;
        switch (rnd.nextInt(12)) {
            case 0: what = linkIds(nodes, parsed, rnd); break;
            case 1: {
                int times = Math.min(1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 3000), Mutations.MAX_BYTES / (lines[pick].length() + 1));
                for (int t = 0; t < times; t++) out.add(pick, lines[pick]);
                return join(out, "repeat line " + (pick + 1) + " " + times + " times");
            }
            case 2:
                out.remove(pick);
                return join(out, "drop line " + (pick + 1));
            case 3: {
                for (int i = out.size() - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    String s = out.get(i);
                    out.set(i, out.get(j));
                    out.set(j, s);
                }
                return join(out, "shuffle lines");
            }
            case 4: {
                ArrayNode array = NODES.arrayNode();
                for (int i : parsed) array.add(nodes[i]);
                String text = write(array, raw);
                String tail = rnd.nextBoolean() ? "" : new String[] {"garbage", "]", "{}", "\n[1]", ","}[rnd.nextInt(5)];
                return new Mutated((text + tail).getBytes(StandardCharsets.UTF_8), "as one JSON array" + (tail.isEmpty() ? "" : " + '" + tail + "'"));
            }
            case 5: {
                String top = VALUES[rnd.nextInt(VALUES.length)];
                out.set(pick, top);
                return join(out, "line " + (pick + 1) + " -> " + top);
            }
            case 6:
                for (int i = 0; i < out.size(); i++) out.set(i, out.get(i) + "\r");
                return join(out, "CRLF line ends");
            default:
                what = "line " + (pick + 1) + ": " + mutateTree(nodes, pick, rnd, raw);
        }
        for (int i : parsed) out.set(i, write(nodes[i], raw));
        return join(out, what);
    }

    static Mutated jsonDocument(byte[] bytes, SplittableRandom rnd) {
        JsonNode[] root = {parse(new String(bytes, StandardCharsets.UTF_8))};
        if (root[0] == null) return Mutations.byteLevel(bytes, rnd);
        Raw raw = new Raw();
        String what = mutateTree(root, 0, rnd, raw);
        String text = raw.apply(write(root[0], raw));
        if (rnd.nextInt(8) == 0) {
            text += " trailing";
            what += "; garbage after the document";
        }
        return new Mutated(text.getBytes(StandardCharsets.UTF_8), what);
    }

    /** safetensors: the JSON header mutated (length rewritten to match, or not), or the length field itself. */
    static Mutated safetensors(byte[] bytes, SplittableRandom rnd) {
        if (bytes.length < 8) return Mutations.byteLevel(bytes, rnd);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long length = b.getLong(0);
        if (length < 2 || 8 + length > bytes.length) return Mutations.byteLevel(bytes, rnd);
        byte[] data = Arrays.copyOfRange(bytes, 8 + (int) length, bytes.length);
        if (rnd.nextInt(5) == 0) {
            long[] extremes = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, length + 1, length - 1, bytes.length, 1L << 32, 100_000_001L};
            long value = extremes[rnd.nextInt(extremes.length)];
            byte[] out = bytes.clone();
            ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            return new Mutated(out, "header length " + length + " -> " + value);
        }
        byte[] header = Arrays.copyOfRange(bytes, 8, 8 + (int) length);
        Mutated mutated = jsonDocument(header, rnd);
        byte[] h = mutated.bytes();
        boolean keepLength = rnd.nextInt(6) == 0;
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(keepLength ? length : h.length).put(h).put(data);
        return new Mutated(out.array(), "header: " + mutated.description() + (keepLength ? " (old length kept)" : ""));
    }

    /** One value-level mutation of {@code nodes[at]} (replaced in place); returns what it did. */
    private static String mutateTree(JsonNode[] nodes, int at, SplittableRandom rnd, Raw raw) {
        List<Slot> slots = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        collect(nodes[at], null, null, -1, "$", slots, paths);
        int s = rnd.nextInt(slots.size());
        Slot slot = slots.get(s);
        String path = paths.get(s);
        JsonNode old = slot.get(nodes[at]);
        int op = rnd.nextInt(9);
        if (op == 0 && slot.parent() != null) {
            if (slot.field() != null) ((ObjectNode) slot.parent()).remove(slot.field());
            else ((ArrayNode) slot.parent()).remove(slot.index());
            return "drop " + path;
        }
        if (op == 1 && old.isObject() && old.size() > 0) {
            String key = old.fieldNames().next();
            ((ObjectNode) old).set(raw.key(key), raw.token(VALUES[rnd.nextInt(VALUES.length)]));
            return "duplicate key " + path + "." + key;
        }
        String token;
        String what;
        switch (op) {
            case 2, 3 -> {
                token = NUMBERS[rnd.nextInt(NUMBERS.length)];
                if (old.isIntegralNumber() && rnd.nextBoolean()) token = Long.toString(grow(old.asLong(), rnd));
                what = "number";
            }
            case 4 -> {
                int depth = new int[] {64, 600, 1100, 5000, 30000}[rnd.nextInt(5)];
                boolean objects = rnd.nextBoolean();
                token = (objects ? "{\"a\":" : "[").repeat(depth) + "1" + (objects ? "}" : "]").repeat(depth);
                what = "nested " + depth + (objects ? " objects" : " arrays") + " deep";
            }
            case 5 -> {
                int len = new int[] {1000, 100_000, 1_000_000}[rnd.nextInt(3)];
                token = rnd.nextBoolean() ? quote("x".repeat(len)) : "[" + "0,".repeat(len / 2) + "0]";
                what = "a " + len + "-long string or list";
            }
            default -> {
                token = VALUES[rnd.nextInt(VALUES.length)];
                what = "type change";
            }
        }
        replace(nodes, at, slot, raw.token(token));
        return what + " at " + path + ": " + abbreviate(old.toString()) + " -> " + abbreviate(token);
    }

    private static long grow(long old, SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> old + 1;
            case 1 -> -old - 1;
            case 2 -> old * 1_000_003L;
            default -> old ^ (1L << (20 + rnd.nextInt(40)));
        };
    }

    /** Sets one id-like field of a record to another record's (or its own) id: parent cycles, dangling or shared ids. */
    private static String linkIds(JsonNode[] nodes, List<Integer> parsed, SplittableRandom rnd) {
        int a = parsed.get(rnd.nextInt(parsed.size()));
        int b = rnd.nextInt(3) == 0 ? a : parsed.get(rnd.nextInt(parsed.size()));
        if (!nodes[a].isObject() || !nodes[b].isObject()) return "no ids to link";
        List<String> ids = idKeys(nodes[a]);
        if (ids.isEmpty()) return "no ids to link";
        String from = ids.contains("parent_id") && rnd.nextInt(4) > 0 ? "parent_id" : ids.get(rnd.nextInt(ids.size()));
        List<String> targets = idKeys(nodes[b]);
        String to = targets.contains("message_id") && rnd.nextInt(4) > 0 ? "message_id" : targets.isEmpty() ? from : targets.get(rnd.nextInt(targets.size()));
        JsonNode bTarget = nodes[b].get(to), aTarget = nodes[a].get(to);
        ((ObjectNode) nodes[a]).set(from, bTarget == null ? NODES.nullNode() : bTarget.deepCopy());
        if (a != b && aTarget != null && nodes[b].has(from)) ((ObjectNode) nodes[b]).set(from, aTarget.deepCopy());
        return a == b ? "line " + (a + 1) + ": " + from + " = its own " + to
                : "lines " + (a + 1) + " and " + (b + 1) + ": " + from + " = each other's " + to;
    }

    private static List<String> idKeys(JsonNode n) {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (k.endsWith("id") || k.equals("key")) keys.add(k);
        }
        return keys;
    }

    private static void collect(JsonNode n, JsonNode parent, String field, int index, String path, List<Slot> slots, List<String> paths) {
        slots.add(new Slot(parent, field, index));
        paths.add(path);
        if (slots.size() > 10_000) return;
        if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                collect(e.getValue(), n, e.getKey(), -1, path + "." + e.getKey(), slots, paths);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) collect(n.get(i), n, null, i, path + "[" + i + "]", slots, paths);
        }
    }

    private static void replace(JsonNode[] nodes, int at, Slot slot, JsonNode value) {
        if (slot.parent() == null) nodes[at] = value;
        else if (slot.field() != null) ((ObjectNode) slot.parent()).set(slot.field(), value);
        else ((ArrayNode) slot.parent()).set(slot.index(), value);
    }

    private static JsonNode parse(String text) {
        if (text.isBlank()) return null;
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String write(JsonNode node, Raw raw) {
        try {
            return raw.apply(JSON.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String s) {
        return TextNode.valueOf(s).toString();
    }

    private static Mutated join(List<String> lines, String what) {
        return new Mutated(String.join("\n", lines).getBytes(StandardCharsets.UTF_8), what);
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...(" + s.length() + " chars)";
    }
}
