package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parquet files written by pyarrow (tools/make_parquet_fixtures.py) read to the same records and Examples as their
 * JSON twins (the same rows as pyarrow's to_pylist wrote them to JSONL), in every reader format; bad rows and broken
 * files give one-line errors naming the file and row.
 */
class ParquetReadTest {
    static final Path DIR = Path.of("src/test/resources/parquet");

    @TempDir
    Path tmp;

    private static List<JsonNode> rows(Path file) {
        List<JsonNode> rows = new ArrayList<>();
        JsonRecords.forEach(file, new JsonRecords.Visitor() {
            @Override
            public boolean record(long line, JsonNode node) {
                assertEquals(rows.size() + 1, line, "rows are numbered from 1 in order");
                rows.add(node);
                return true;
            }

            @Override
            public void invalid(long line, InvalidRecordException problem) {
                throw new AssertionError(line + ": " + problem.getMessage());
            }
        });
        return rows;
    }

    /** The Example with its source file left out (the twins differ only there; the stem and so the ids agree). */
    private static Example sourceless(Example e) {
        return new Example(e.id(), e.instruction(), e.input(), e.response(), e.goldInstruction(), e.category(), "-", e.line(), e.turns(), e.weight());
    }

    @ParameterizedTest
    @CsvSource({"dolly,dolly,30,30", "alpaca,alpaca,20,20", "messages,openai,20,20", "sharegpt,sharegpt,15,15", "responses,responses,30,30",
            "text,text,20,20", "oasst,oasst,38,14"})
    void readsLikeItsJsonTwin(String name, String format, int rows, int examples) {
        Path parquet = DIR.resolve(name + ".parquet");
        Path json = DIR.resolve(name + ".jsonl");
        List<JsonNode> parquetRows = rows(parquet);
        assertEquals(rows, parquetRows.size());
        assertEquals(rows(json), parquetRows);

        assertEquals(Format.byName(format), Format.detect(parquet));
        ReadResult fromParquet = DataReader.read(parquet, DataReader.Options.defaults());
        ReadResult fromJson = DataReader.read(json, DataReader.Options.defaults());
        assertEquals(Format.byName(format), fromParquet.format());
        assertEquals(examples, fromParquet.examples().size());
        assertEquals(fromJson.examples().stream().map(ParquetReadTest::sourceless).toList(),
                fromParquet.examples().stream().map(ParquetReadTest::sourceless).toList());
        assertEquals(parquet.toString(), fromParquet.examples().get(0).sourceFile());
    }

    @Test
    void nestedColumnsBecomeJson() {
        JsonNode third = rows(DIR.resolve("messages.parquet")).get(2);
        assertEquals(4, third.get("messages").size(), "list<struct<role, content>> is an array of objects");
        assertEquals("assistant", third.get("messages").get(3).get("role").asText());
        JsonNode alpaca = rows(DIR.resolve("alpaca.parquet")).get(1);
        assertTrue(alpaca.get("history").get(1).get(0).isTextual(), "list<list<string>> is an array of arrays");
        assertTrue(rows(DIR.resolve("alpaca.parquet")).get(5).get("history").isNull(), "a null column is a JSON null, the key kept");

        Example multiTurn = DataReader.read(DIR.resolve("messages.parquet"), DataReader.Options.defaults()).examples().get(2);
        assertEquals(4, multiTurn.turns().size());
        Example withHistory = DataReader.read(DIR.resolve("alpaca.parquet"), DataReader.Options.defaults()).examples().get(0);
        assertEquals(6, withHistory.turns().size());
    }

    @Test
    void rowGroupsAreReadInOrderAndLimitsStopEarly() {
        // dolly.parquet has 4 row groups of 8, 8, 8 and 6 rows.
        List<JsonNode> rows = rows(DIR.resolve("dolly.parquet"));
        for (int i = 0; i < rows.size(); i++) assertEquals("dolly_open_qa_" + i, rows.get(i).get("id").asText());
        ReadResult limited = DataReader.read(DIR.resolve("dolly.parquet"), new DataReader.Options(null, false, 10, false));
        assertEquals(10, limited.examples().size());
        assertEquals(10, limited.records(), "stops inside the second row group");
    }

    @Test
    void evalPromptsReadFromParquet() {
        assertEquals(EvalPromptReader.read(DIR.resolve("ifeval.jsonl"), "ifeval"), EvalPromptReader.read(DIR.resolve("ifeval.parquet"), "ifeval"));
        assertEquals(10, EvalPromptReader.read(DIR.resolve("ifeval.parquet"), "ifeval").size());
    }

    @Test
    void badRowsNameTheFileTheRowAndTheColumn() {
        Path nulls = DIR.resolve("bad_nulls.parquet");
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(nulls, DataReader.Options.defaults()));
        assertTrue(e.getMessage().startsWith(nulls + ":row 3: missing field 'instruction'"), e.getMessage());
        ReadResult skipped = DataReader.read(nulls, new DataReader.Options(null, true, null, false));
        assertEquals(4, skipped.examples().size());
        assertEquals(1, skipped.skippedTotal());

        Path types = DIR.resolve("bad_types.parquet");
        e = assertThrows(UserInputException.class, () -> DataReader.read(types, DataReader.Options.defaults()));
        assertTrue(e.getMessage().startsWith(types + ":row 1: field 'output' is not a string (expected a string, found number 1)"), e.getMessage());
    }

    @Test
    void pretrainingDocumentsReadFromATextColumn() throws IOException {
        List<String> fromParquet = new ArrayList<>();
        List<String> fromJson = new ArrayList<>();
        TextDocuments.forEach(DIR.resolve("text.parquet"), d -> fromParquet.add(d.text()));
        TextDocuments.forEach(DIR.resolve("text.jsonl"), d -> fromJson.add(d.text()));
        assertEquals(20, fromParquet.size());
        assertEquals(fromJson, fromParquet);

        List<TextDocuments.Document> first = new ArrayList<>();
        TextDocuments.forEach(DIR.resolve("text.parquet"), d -> first.add(d) && first.size() < 3);
        assertEquals(3, first.size(), "stops when the consumer says so");
        assertEquals(DIR.resolve("text.parquet") + ":row 3", first.get(2).where());

        Path folder = Files.createDirectories(tmp.resolve("corpus"));
        Files.copy(DIR.resolve("text.parquet"), folder.resolve("a.parquet"));
        Files.writeString(folder.resolve("b.jsonl"), "{\"text\": \"last\"}\n");
        assertEquals(List.of(folder.resolve("a.parquet"), folder.resolve("b.jsonl")), TextDocuments.files(folder));

        UserInputException e = assertThrows(UserInputException.class, () -> TextDocuments.forEach(DIR.resolve("messages.parquet"), d -> true));
        assertTrue(e.getMessage().startsWith(DIR.resolve("messages.parquet") + ":row 1: expected a string field \"text\" (the document), found no such field"),
                e.getMessage());
    }

    /**
     * Fuzzed files (1 to 4 random bytes overwritten, fixed seeds): each either reads or stops with a one-line
     * UserInputException naming the file; never another exception, an OutOfMemoryError or a hang. (Run by hand with
     * 300 seeds on five fixtures: 195 read, 1305 clean errors, nothing else.)
     */
    @Test
    void corruptedBytesNeverEscapeAsAnythingButBadInput() throws IOException {
        int read = 0;
        int refused = 0;
        for (String name : List.of("messages", "dolly", "oasst")) {
            byte[] good = Files.readAllBytes(DIR.resolve(name + ".parquet"));
            for (int seed = 0; seed < 60; seed++) {
                java.util.Random random = new java.util.Random(seed);
                byte[] bad = good.clone();
                for (int k = 1 + random.nextInt(4); k > 0; k--) bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
                Path file = tmp.resolve(name + "-" + seed + ".parquet");
                Files.write(file, bad);
                try {
                    DataReader.read(file, new DataReader.Options(null, true, null, false));
                    read++;
                } catch (UserInputException e) {
                    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                    refused++;
                }
            }
        }
        assertTrue(read > 0 && refused > 0, read + " read, " + refused + " refused");
    }

    /** Bytes that are not UTF-8 in a string column stop the read at their row, as they do in a JSONL file. */
    @Test
    void aStringThatIsNotUtf8NamesTheRowAndColumn() throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message m { required binary instruction (STRING); required binary output (STRING); }");
        Path file = tmp.resolve("latin1.parquet");
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(schema).build()) {
            SimpleGroupFactory rows = new SimpleGroupFactory(schema);
            w.write(rows.newGroup().append("instruction", "Say hi").append("output", "hi \uFFFD (a real replacement character)"));
            w.write(rows.newGroup().append("instruction", "Say caf\u00e9").append("output", Binary.fromConstantByteArray("caf\u00e9".getBytes(StandardCharsets.ISO_8859_1))));
        }
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(file, DataReader.Options.defaults()));
        assertEquals(file + ":row 2: column 'output' is not valid UTF-8 text (expected UTF-8, found a malformed byte sequence)", e.getMessage());
        List<Example> first = DataReader.read(file, new DataReader.Options(null, false, 1, false)).examples();
        assertEquals("hi \uFFFD (a real replacement character)", first.get(0).response());
    }

    private UserInputException unreadable(Path file) {
        UserInputException e = assertThrows(UserInputException.class, () -> DataReader.read(file, DataReader.Options.defaults()));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void brokenFilesGiveOneLineNamingTheFile() throws IOException {
        byte[] good = Files.readAllBytes(DIR.resolve("messages.parquet"));

        Path truncated = tmp.resolve("truncated.parquet");
        Files.write(truncated, Arrays.copyOf(good, good.length / 2));
        assertTrue(unreadable(truncated).getMessage().contains("not a readable Parquet file"));

        Path text = tmp.resolve("text.parquet");
        Files.writeString(text, "{\"instruction\": \"q\", \"output\": \"a\"}\n");
        assertTrue(unreadable(text).getMessage().contains("not a readable Parquet file"));

        Path empty = tmp.resolve("empty.parquet");
        Files.write(empty, new byte[0]);
        unreadable(empty);

        // A footer length far beyond the file: refused before anything that size is allocated.
        byte[] hugeFooter = good.clone();
        ByteBuffer.wrap(hugeFooter).order(ByteOrder.LITTLE_ENDIAN).putInt(hugeFooter.length - 8, Integer.MAX_VALUE - 8);
        Path footer = tmp.resolve("footer.parquet");
        Files.write(footer, hugeFooter);
        unreadable(footer);

        // The data pages overwritten with garbage, the footer intact.
        byte[] garbage = good.clone();
        for (int i = 4; i < garbage.length / 2; i++) garbage[i] = (byte) (i * 31);
        Path pages = tmp.resolve("pages.parquet");
        Files.write(pages, garbage);
        assertTrue(unreadable(pages).getMessage().contains("not a readable Parquet file"));
    }
}
