package dev.mutual.data.read;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Parquet file larger than the heap reads row group by row group: a child JVM with a 32 MB heap walks a 60 MB
 * messages file of 60 row groups (reading it whole would need more than the heap for its text alone).
 */
class ParquetStreamingTest {
    static final int ROWS = 60_000;
    static final int ANSWER_CHARS = 950;

    @TempDir
    Path dir;

    /** Writes {@code rows} messages rows (a short question, a ~1 KB answer of random letters) in row groups of about the size given. */
    static void writeMessages(Path file, int rows, long rowGroupBytes) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("message m { required binary id (STRING); required group messages (LIST) {"
                + " repeated group list { required group element { required binary role (STRING); required binary content (STRING); } } } }");
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(schema).withCompressionCodec(CompressionCodecName.UNCOMPRESSED).withRowGroupSize(rowGroupBytes).build()) {
            SimpleGroupFactory rowsOf = new SimpleGroupFactory(schema);
            Random random = new Random(1);
            char[] answer = new char[ANSWER_CHARS];
            for (int i = 0; i < rows; i++) {
                for (int k = 0; k < answer.length; k++) answer[k] = (char) ('a' + random.nextInt(26));
                Group row = rowsOf.newGroup().append("id", "r" + i);
                Group messages = row.addGroup("messages");
                messages.addGroup("list").addGroup("element").append("role", "user").append("content", "question " + i);
                messages.addGroup("list").addGroup("element").append("role", "assistant").append("content", new String(answer));
                w.write(row);
            }
        }
    }

    @Test
    void aFileLargerThanTheHeapReadsInBoundedMemory() throws Exception {
        Path file = dir.resolve("large.parquet");
        writeMessages(file, ROWS, 1L << 20);
        assertTrue(Files.size(file) > 55L << 20, Files.size(file) + " bytes");
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
            assertTrue(reader.getRowGroups().size() >= 50, reader.getRowGroups().size() + " row groups");
        }

        String out = countInChild(file, "-Xmx32m", 0);
        long chars = 0;
        for (int i = 0; i < ROWS; i++) chars += ("question " + i).length() + ANSWER_CHARS;
        assertTrue(out.contains("rows=" + ROWS + " chars=" + chars + " "), out);
    }

    /** A row group declaring more than half the heap is refused, naming the file, before its pages are allocated. */
    @Test
    void aRowGroupLargerThanHalfTheHeapIsRefusedBeforeItIsRead() throws Exception {
        Path file = dir.resolve("one-group.parquet");
        writeMessages(file, 12_000, 1L << 30);
        String out = countInChild(file, "-Xmx16m", 1);
        assertTrue(out.contains("UserInputException: " + file + ": row group 1 holds 11 MiB uncompressed (expected at most "), out);
        assertTrue(out.contains("MiB, half the heap; rewrite the file with smaller row groups"), out);
        assertTrue(!out.contains("OutOfMemoryError"), out);
    }

    /** Runs {@link ParquetRowCount} on {@code file} in a child JVM with the given heap; returns what it printed. */
    private String countInChild(Path file, String heap, int expectedExit) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                ParquetRowCount.class.getName(), file.toString()));
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child finished within 120 s");
        String out = Files.readString(log);
        assertEquals(expectedExit, child.exitValue(), out);
        return out;
    }
}
