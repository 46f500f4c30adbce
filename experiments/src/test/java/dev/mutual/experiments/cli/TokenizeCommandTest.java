package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.tokenizer.HfTokenizer;
import dev.mutual.data.tokenizer.Llama2cTokenizer;
import dev.mutual.data.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code mutual tokenize}: ids, tokens and the chat loss mask, on the real tok512.bin and the Llama-3 tokenizer. */
class TokenizeCommandTest {
    static final Path TOK512 = Path.of("../samples/tok512.bin");
    static final Path LLAMA3 = Path.of("../data/src/test/resources/tokenizers/llama3");
    static final String TEXT = "Once upon a time, there was a little girl named Lily.";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void plainTextAsTableAndJson() throws IOException {
        int[] expected;
        try (Llama2cTokenizer tok = Llama2cTokenizer.load(TOK512)) {
            expected = tok.encode(TEXT, true);
        }
        CliRun json = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--json", TEXT);
        assertEquals(0, json.code(), json.err());
        JsonNode line = JSON.readTree(json.out());
        assertArrayEquals(expected, ints(line.get("ids")));
        assertEquals("\n<s>\n", line.get("tokens").get(0).asText());
        assertEquals(" Once", line.get("tokens").get(1).asText());

        CliRun table = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), TEXT);
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().startsWith(expected.length + " tokens\n"), table.out());
        assertTrue(table.out().contains(String.format("%6d %8d  %s%n", 1, 403, "\" Once\"")), table.out());

        CliRun bare = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--json", "--no-special-tokens", TEXT);
        assertArrayEquals(Arrays.copyOfRange(expected, 1, expected.length), ints(JSON.readTree(bare.out()).get("ids")));

        Path file = tmp.resolve("text.txt");
        Files.writeString(file, TEXT);
        CliRun fromFile = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--json", "--input", file.toString());
        assertEquals(json.out(), fromFile.out());
        Files.writeString(file, TEXT + "\nHello\n");
        CliRun perLine = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--json", "--lines", "--input", file.toString());
        List<String> lines = perLine.out().lines().toList();
        assertEquals(2, lines.size(), perLine.out());
        assertEquals(json.out().strip(), lines.get(0));
    }

    /** A model directory Mutual saved: its llama2.c .bin (what generate and score use) and its tokenizer.json agree. */
    @Test
    void aSavedModelDirectoryUsesItsTokenizer() throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        TokenizerFiles.save(List.of(TOK512), model);
        CliRun fromDir = CliRun.of("tokenize", "--tokenizer", model.toString(), "--json", TEXT);
        CliRun fromBin = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--json", TEXT);
        CliRun fromJson = CliRun.of("tokenize", "--tokenizer", model.resolve("tokenizer.json").toString(), "--json", TEXT);
        assertEquals(0, fromDir.code(), fromDir.err());
        assertEquals(fromBin.out(), fromDir.out());
        assertArrayEquals(ints(JSON.readTree(fromBin.out()).get("ids")), ints(JSON.readTree(fromJson.out()).get("ids")));
    }

    @Test
    void chatShowsTheLossMaskOnTheReplyAndItsEndOfTurn() throws IOException {
        String conversation = "{\"messages\": [{\"role\": \"user\", \"content\": \"What is the capital of France?\"},"
                + " {\"role\": \"assistant\", \"content\": \"Paris is.\"}]}";
        CliRun r = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--chat", "--chat-template", "alpaca", "--json", conversation);
        assertEquals(0, r.code(), r.err());
        JsonNode line = JSON.readTree(r.out());
        assertTrue(line.get("text").asText().contains("### Response:\nParis is.</s>"), line.toString());
        int[] ids = ints(line.get("ids"));
        int[] mask = ints(line.get("mask"));
        List<Integer> trained = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) if (mask[i] == 1) trained.add(ids[i]);
        try (Llama2cTokenizer tok = Llama2cTokenizer.load(TOK512)) {
            int[] t = trained.stream().mapToInt(Integer::intValue).toArray();
            assertEquals("Paris is.", tok.decode(t).strip());
            assertEquals(Llama2cTokenizer.EOS, t[t.length - 1]);
        }
        CliRun table = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--chat", "--chat-template", "alpaca", conversation);
        assertTrue(table.out().contains(ids.length + " tokens, " + trained.size() + " trained on (mask 1)"), table.out());
        assertTrue(table.out().contains("id mask  token"), table.out());
    }

    /** The Llama-3 tokenizer's own chat_template from a tokenizer.json.gz folder; a file of conversations, one line each. */
    @Test
    void chatFileWithTheModelsTemplate() throws IOException {
        Path file = tmp.resolve("chats.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"}]}",
                "",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]}", ""));
        CliRun r = CliRun.of("tokenize", "--tokenizer", LLAMA3.toString(), "--chat", "--json", "--input", file.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        JsonNode first = JSON.readTree(lines.get(0));
        HfTokenizer tok = HfTokenizer.load(LLAMA3);
        try (tok) {
            assertArrayEquals(tok.encode(first.get("text").asText(), false), ints(first.get("ids")));
            List<String> trained = new ArrayList<>();
            for (int i = 0; i < first.get("ids").size(); i++) {
                if (first.get("mask").get(i).asInt() == 1) trained.add(first.get("tokens").get(i).asText());
            }
            assertEquals(List.of("Hello", "!", "<|eot_id|>"), trained);
        }
        // a prompt without a reply: rendered with the generation prompt, nothing trained on
        JsonNode prompt = JSON.readTree(lines.get(1));
        assertTrue(prompt.get("text").asText().endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n"), prompt.toString());
        for (JsonNode m : prompt.get("mask")) assertEquals(0, m.asInt());
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws IOException {
        CliRun notJson = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--chat", "--chat-template", "alpaca", "Hi there");
        assertEquals(2, notJson.code());
        assertTrue(notJson.err().contains("TEXT: not JSON"), notJson.err());

        Path file = tmp.resolve("bad.jsonl");
        Files.writeString(file, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n"
                + "{\"messages\": [{\"role\": \"bot\", \"content\": \"Hi\"}]}\n");
        CliRun badRole = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--chat", "--chat-template", "alpaca",
                "--input", file.toString());
        assertEquals(2, badRole.code());
        assertTrue(badRole.err().contains(file + ":2: message 0 has role \"bot\""), badRole.err());

        CliRun noTemplate = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--chat", "{\"messages\": []}");
        assertEquals(2, noTemplate.code());

        CliRun neither = CliRun.of("tokenize", "--tokenizer", TOK512.toString());
        assertEquals(2, neither.code());
        CliRun both = CliRun.of("tokenize", "--tokenizer", TOK512.toString(), "--input", file.toString(), "text");
        assertEquals(2, both.code());
        CliRun missing = CliRun.of("tokenize", "--tokenizer", tmp.resolve("nope.bin").toString(), "Hi");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("tokenizer not found"), missing.err());
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
