package dev.mutual.data.read;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad data files stop with FILE:LINE: what is wrong (expected ..., found ...), or are counted when skipped. */
class MalformedInputTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static final String DOLLY_WITH_PROBLEMS = """
            {"instruction": "Why is the sky blue?", "response": "Rayleigh scattering."}
            {"instruction": "Name a prime.", "context": ""}
            {"instruction": "Capital of France?", "response": "Paris."

            {"instruction": "Largest planet?", "response": 5}
            {"instruction": "Smallest prime?", "response": "2", "category": "open_qa", "context": "Primes start at 2."}
            """;

    @Test
    void aMissingFieldStopsWithFileAndLine() throws IOException {
        Path p = write("dolly.jsonl", DOLLY_WITH_PROBLEMS);
        UserInputException e = assertThrows(UserInputException.class,
                () -> DataReader.read(p, DataReader.Options.defaults()));
        assertEquals(p + ":2: missing field 'response' (expected a non-empty string, found no such key; keys: [instruction, context])"
                + " [format dolly; use skip_invalid / --skip-invalid to skip such lines]", e.getMessage());
    }

    @Test
    void skipInvalidCountsEachReason() throws IOException {
        Path p = write("dolly.jsonl", DOLLY_WITH_PROBLEMS);
        ReadResult r = DataReader.read(p, new DataReader.Options(null, true, null, false));
        assertEquals(5, r.records()); // the blank line is not a record
        assertEquals(2, r.examples().size());
        assertEquals(Map.of("missing field 'response'", 1L, "malformed JSON", 1L, "field 'response' is not a string", 1L), r.skipped());
        assertEquals(3, r.skippedTotal());
        assertEquals(3, r.skippedLines().size());
        assertTrue(r.skippedLines().get(1).startsWith(p + ":3: malformed JSON (expected one JSON object per line, found: "), r.skippedLines().get(1));
        assertEquals(p + ":5: field 'response' is not a string (expected a string, found number 5)", r.skippedLines().get(2));
        Example last = r.examples().get(1);
        assertEquals("Primes start at 2.", last.input());
        assertEquals("open_qa", last.category());
        assertEquals(6, last.line());
        assertEquals("dolly-6", last.id()); // no id in the file: FILE_STEM-LINE
    }

    @Test
    void jsonArraysReportTheLineOfTheRecord() throws IOException {
        Path ok = write("a.json", "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n  {\"instruction\": \"c\",\n   \"output\": \"\"}\n]\n");
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(ok, DataReader.Options.defaults()));
        assertEquals(ok + ":3: empty field 'output' (expected non-empty text, found \"\") [format alpaca; use skip_invalid / --skip-invalid to skip such lines]", e.getMessage());

        Path broken = write("b.json", "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n  {\"instruction\": \"c\" \"output\": \"d\"}\n]\n");
        UserInputException b = assertThrows(UserInputException.class,
                () -> DataReader.read(broken, new DataReader.Options(Format.ALPACA, true, null, false)));
        assertTrue(b.getMessage().startsWith(broken + ":3: malformed JSON (expected a JSON array of objects, found: Unexpected character"), b.getMessage());

        Path truncated = write("t.json", "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n");
        UserInputException t = assertThrows(UserInputException.class,
                () -> DataReader.read(truncated, new DataReader.Options(Format.ALPACA, false, null, false)));
        assertEquals(truncated + ":3: malformed JSON (expected a JSON array of objects, found: Unexpected end-of-input within/between Array entries)",
                t.getMessage());

        Path notArray = write("c.json", "{\"instruction\": \"a\"}");
        UserInputException n = assertThrows(UserInputException.class,
                () -> DataReader.read(notArray, new DataReader.Options(Format.ALPACA, false, null, false)));
        assertEquals(notArray + ":1: expected a JSON array of records, found {", n.getMessage());
    }

    @Test
    void detectionPassesOverALeadingMalformedLine() throws IOException {
        Path p = write("late.jsonl", "{oops\n{\"text\": \"fine\"}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(p, DataReader.Options.defaults()));
        assertTrue(e.getMessage().startsWith(p + ":1: malformed JSON (expected one JSON object per line, found: "), e.getMessage());
        ReadResult r = DataReader.read(p, new DataReader.Options(null, true, null, false));
        assertEquals(Format.TEXT, r.format());
        assertEquals(2, r.records());
        assertEquals(1, r.examples().size());
    }

    @Test
    void gzipFilesAreReadByTheirSuffix() throws IOException {
        Path p = dir.resolve("pool.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write("{\"text\": \"first\"}\n{\"text\": \"second\", \"id\": \"x7\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        ReadResult r = DataReader.read(p, DataReader.Options.defaults());
        assertEquals(Format.TEXT, r.format());
        assertEquals("pool-1", r.examples().get(0).id());
        assertEquals("x7", r.examples().get(1).id());
        assertEquals("second", r.examples().get(1).response());
    }

    @Test
    void anUnknownLayoutListsTheKnownFormats() throws IOException {
        Path p = write("odd.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(p, DataReader.Options.defaults()));
        assertTrue(e.getMessage().startsWith(p + ": cannot tell the format from the first record's keys [question, answer]; name it with --format"), e.getMessage());
        for (Format f : Format.values()) assertTrue(e.getMessage().contains("\n  " + f.id + ": "), f.id);

        UserInputException u = assertThrows(UserInputException.class, () -> Format.byName("shareGTP"));
        assertEquals("unknown data format 'shareGTP' (expected one of: prepared, oasst, sharegpt, openai, responses, self_instruct, alpaca, dolly, human_assistant, text)", u.getMessage());
    }

    @Test
    void brokenUtf8AndMissingFilesAreUserErrors() throws IOException {
        Path p = dir.resolve("latin1.jsonl");
        Files.write(p, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xE9, '"', '}', '\n'});
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(p, new DataReader.Options(Format.TEXT, false, null, false)));
        assertEquals(p + ":1: not valid UTF-8 text at byte 10 of the line (0xE9) (expected UTF-8, found a malformed byte sequence;"
                + " convert the file, e.g. iconv -f latin1 -t utf-8)", e.getMessage());
        Path missing = dir.resolve("nope.jsonl");
        assertEquals(missing + ": no such file",
                assertThrows(UserInputException.class, () -> DataReader.read(missing, DataReader.Options.defaults())).getMessage());
    }

    @Test
    void sharegptAndOpenaiGiveTheFirstExchangeAndKeepTheConversation() throws IOException {
        Path sharegpt = write("sg.json", """
                [{"id": "c1", "conversations": [
                  {"from": "system", "value": "Be brief."},
                  {"from": "human", "value": "Hi, what is 2+2?"},
                  {"from": "gpt", "value": "4."},
                  {"from": "human", "value": "And 3+3?"},
                  {"from": "gpt", "value": "6."}]},
                 {"id": "c2", "conversations": [{"from": "human", "value": "Ping"}, {"from": "gpt", "value": "Pong"}]},
                 {"id": "c3", "conversations": [{"from": "gpt", "value": "Hello"}, {"from": "human", "value": "Hi"}]}]
                """);
        ReadResult r = DataReader.read(sharegpt, new DataReader.Options(null, true, null, false));
        assertEquals(Format.SHAREGPT, r.format());
        assertEquals(2, r.examples().size());
        Example c1 = r.examples().get(0);
        assertEquals("Hi, what is 2+2?", c1.instruction());
        assertEquals("4.", c1.response());
        assertEquals(5, c1.turns().size());
        assertEquals(new Example.Turn("user", "And 3+3?"), c1.turns().get(3));
        assertEquals(0, r.examples().get(1).turns().size()); // a single exchange keeps no turn list
        assertEquals(sharegpt + ":8: no first user/assistant exchange (expected a user turn followed by an assistant turn, found roles [assistant, user])",
                r.skippedLines().get(0));

        Path openai = write("oa.jsonl", """
                {"messages": [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Teal."}]}
                {"messages": [{"role": "user", "content": "x"}, {"role": "robot", "content": "y"}]}
                """);
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(openai, DataReader.Options.defaults()));
        assertEquals(openai + ":2: unknown role (expected human/user, gpt/assistant or system, found 'robot') [format openai; use skip_invalid / --skip-invalid to skip such lines]",
                e.getMessage());
        ReadResult o = DataReader.read(openai, new DataReader.Options(null, true, null, false));
        assertEquals(Format.OPENAI, o.format());
        assertEquals("Teal.", o.examples().get(0).response());
        assertEquals("oa-1", o.examples().get(0).id());
    }

    @Test
    void oasstTreesPickTheLowestRankAndKeepContext() throws IOException {
        Path p = write("tree.jsonl", """
                {"message_id": "p1", "parent_id": null, "role": "prompter", "text": "Tell me a joke.", "rank": null}
                {"message_id": "a1", "parent_id": "p1", "role": "assistant", "text": "Knock knock.", "rank": 1}
                {"message_id": "a2", "parent_id": "p1", "role": "assistant", "text": "Why did the chicken...", "rank": 0}
                {"message_id": "p2", "parent_id": "a2", "role": "prompter", "text": "Another one?", "rank": 0}
                {"message_id": "a3", "parent_id": "p2", "role": "assistant", "text": "Never unranked.", "rank": null}
                {"message_id": "p3", "parent_id": "a1", "role": "prompter", "text": "Who's there?", "rank": 0}
                {"message_id": "a4", "parent_id": "p3", "role": "assistant", "text": "Lettuce.", "rank": 0}
                """);
        ReadResult r = DataReader.read(p, DataReader.Options.defaults());
        assertEquals(Format.OASST, r.format());
        assertEquals(7, r.records());
        assertEquals(2, r.examples().size()); // p2's only reply was never ranked
        assertEquals("a2", r.examples().get(0).id());
        assertEquals("Why did the chicken...", r.examples().get(0).response());
        Example deep = r.examples().get(1);
        assertEquals("Who's there?", deep.instruction());
        assertEquals(7, deep.line());
        assertEquals(4, deep.turns().size());
        assertEquals(new Example.Turn("assistant", "Knock knock."), deep.turns().get(1));
    }

    @Test
    void aFileForcedToTheWrongFormatNamesTheMissingField() throws IOException {
        Path p = write("dolly.jsonl", "{\"instruction\": \"Why is the sky blue?\", \"response\": \"Rayleigh scattering.\"}\n");
        UserInputException e = assertThrows(UserInputException.class,
                () -> DataReader.read(p, new DataReader.Options(Format.PREPARED, false, null, false)));
        assertTrue(e.getMessage().startsWith(p + ":1: missing field 'source_line' (expected a line number"), e.getMessage());
    }
}
