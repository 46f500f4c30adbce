package dev.mutual.data.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mutual.testing.fuzz.Seed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Seed files for the data fuzzers, all from the repository's samples/ (so they run in a fresh clone): the Dolly,
 * OASST and IFEval samples as they are, and the same real records rewritten into every other layout the readers know
 * (Alpaca, ShareGPT, OpenAI messages, OASST message trees, a JSON array, MT-Bench turns, GSM8K questions).
 */
final class DataSeeds {
    static final Path SAMPLES = Path.of("../samples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LINES = 8;

    private DataSeeds() {
    }

    static List<JsonNode> dolly() {
        return records(SAMPLES.resolve("seed_dolly_open_qa.jsonl"));
    }

    static Seed dollyJsonl() {
        return Seed.head(SAMPLES.resolve("seed_dolly_open_qa.jsonl"), Seed.Kind.JSONL, LINES);
    }

    static Seed responses() {
        return Seed.head(SAMPLES.resolve("unlabelled_oasst1.jsonl"), Seed.Kind.JSONL, LINES);
    }

    static Seed ifeval() {
        return Seed.head(SAMPLES.resolve("eval_ifeval_prompts.jsonl"), Seed.Kind.JSONL, LINES);
    }

    /** Dolly records rewritten by {@code layout}, one per line. */
    static Seed derived(String name, Function<JsonNode, JsonNode> layout) {
        StringBuilder out = new StringBuilder();
        for (JsonNode r : dolly()) out.append(layout.apply(r)).append('\n');
        return Seed.text(name, Seed.Kind.JSONL, out.toString());
    }

    static JsonNode alpaca(JsonNode d) {
        ObjectNode a = JSON.createObjectNode();
        a.put("instruction", d.path("instruction").asText()).put("input", d.path("context").asText()).put("output", d.path("response").asText());
        a.putArray("history").addArray().add("Hello").add("Hi, how can I help?");
        return a;
    }

    static JsonNode sharegpt(JsonNode d) {
        ObjectNode s = JSON.createObjectNode();
        ArrayNode turns = s.putArray("conversations");
        turns.addObject().put("from", "human").put("value", d.path("instruction").asText());
        turns.addObject().put("from", "gpt").put("value", d.path("response").asText());
        return s;
    }

    static JsonNode openai(JsonNode d) {
        ObjectNode s = JSON.createObjectNode();
        ArrayNode turns = s.putArray("messages");
        turns.addObject().put("role", "system").put("content", "Be brief.");
        turns.addObject().put("role", "user").put("content", d.path("instruction").asText());
        turns.addObject().put("role", "assistant").put("content", d.path("response").asText());
        return s;
    }

    /** MT-Bench's layout: an id and two turns. */
    static JsonNode mtBench(JsonNode d) {
        ObjectNode q = JSON.createObjectNode();
        q.put("question_id", 81).put("category", "writing");
        q.putArray("turns").add(d.path("instruction").asText()).add("Now say it in one sentence.");
        return q;
    }

    /** GSM8K's layout: a question and its answer. */
    static JsonNode question(JsonNode d) {
        ObjectNode q = JSON.createObjectNode();
        q.put("question", d.path("instruction").asText()).put("answer", d.path("response").asText() + "\n#### 42");
        return q;
    }

    static JsonNode textRecord(String text) {
        ObjectNode t = JSON.createObjectNode();
        t.put("text", text).put("source", "dolly");
        return t;
    }

    /** The held-out OASST pairs as an OASST message stream: a prompter message and two ranked replies per pair. */
    static Seed oasstTrees() {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (JsonNode r : records(SAMPLES.resolve("heldout_oasst1_val.jsonl"))) {
            String id = "m" + n++;
            out.append(message(id, null, "prompter", r.path("instruction").asText(), null)).append('\n');
            out.append(message(id + "a", id, "assistant", r.path("response").asText(), 0)).append('\n');
            out.append(message(id + "b", id, "assistant", "A shorter answer.", 1)).append('\n');
            out.append(message(id + "c", id + "a", "prompter", "Thanks, and why?", null)).append('\n');
        }
        return Seed.text("oasst_trees.jsonl", Seed.Kind.JSONL, out.toString());
    }

    private static JsonNode message(String id, String parent, String role, String text, Integer rank) {
        ObjectNode m = JSON.createObjectNode();
        m.put("message_id", id);
        if (parent == null) m.putNull("parent_id");
        else m.put("parent_id", parent);
        m.put("role", role).put("text", text).put("lang", "en");
        if (rank == null) m.putNull("rank");
        else m.put("rank", rank);
        return m;
    }

    /** The Dolly sample as {@code data prepare} writes it (ExampleJson: provenance, weights, multi-turn turns). */
    static Seed prepared() {
        StringBuilder out = new StringBuilder();
        java.nio.file.Path file = SAMPLES.resolve("seed_dolly_open_qa.jsonl");
        var read = dev.mutual.data.read.DataReader.read(file, dev.mutual.data.read.DataReader.Options.defaults());
        for (int i = 0; i < LINES; i++) {
            dev.mutual.data.Example e = read.examples().get(i);
            out.append(dev.mutual.data.ExampleJson.toJson(i % 2 == 0 ? e : e.withWeight(0.5))).append('\n');
        }
        return Seed.text("data.jsonl", Seed.Kind.JSONL, out.toString());
    }

    /** The Dolly sample as one JSON array (a .json file). */
    static Seed dollyArray() {
        ArrayNode array = JSON.createArrayNode();
        array.addAll(dolly());
        return Seed.text("dolly_array.json", Seed.Kind.JSON, array.toString());
    }

    /** Plain text lines for a .txt file: the samples' provenance notes. */
    static Seed text() {
        return Seed.head(SAMPLES.resolve("SOURCE.md"), Seed.Kind.TEXT, 30).withName("notes.txt");
    }

    private static List<JsonNode> records(Path file) {
        List<JsonNode> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (out.size() == LINES) break;
                out.add(JSON.readTree(line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
