package dev.mutual.experiments.cli;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unreadable inputs through the CLI: one line, exit 2, the file, line and the real problem (before: a directory
 * was "no such file", a truncated gzip "read failed" with exit 1, Latin-1 bytes "Input length = 1" with exit 1).
 */
class UnreadableInputCommandsTest {
    @TempDir
    Path dir;

    private static void oneLineExit2(CliRun run, String expectedStart) {
        assertEquals(2, run.code(), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("error: " + expectedStart), run.err());
    }

    @Test
    void aDirectoryIsNamedAsOne() throws IOException {
        Path d = Files.createDirectory(dir.resolve("pairs.jsonl"));
        oneLineExit2(CliRun.of("data", "inspect", d.toString()), d + ": is a directory (expected a file)");
        Path model = assumeShared("models/stories260K").resolve("stories260K.bin"), tok = assumeShared("models/stories260K").resolve("tok512.bin");
        oneLineExit2(CliRun.of("score", "--model", model.toString(), "--tokenizer", tok.toString(), "--input", d.toString(),
                "--output", dir.resolve("s.jsonl").toString()), "--input " + d + ": is a directory (expected a file)");
    }

    @Test
    void latin1BytesAreNamedAtTheirLine() throws IOException {
        Path p = dir.resolve("pairs.jsonl");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 7; i++) text.append("{\"instruction\": \"q\", \"response\": \"a\"}\n");
        text.append("{\"instruction\": \"caf\u00e9\", \"response\": \"a\"}\n");
        Files.write(p, text.toString().getBytes(StandardCharsets.ISO_8859_1));
        oneLineExit2(CliRun.of("data", "inspect", p.toString()), p + ":8: not valid UTF-8 text at byte 21 of the line (0xE9)");
        Path model = assumeShared("models/stories260K").resolve("stories260K.bin"), tok = assumeShared("models/stories260K").resolve("tok512.bin");
        oneLineExit2(CliRun.of("score", "--model", model.toString(), "--tokenizer", tok.toString(), "--input", p.toString(),
                "--output", dir.resolve("s.jsonl").toString()), p + ":8: not valid UTF-8 text");
        // IFEval prompts: "Input length = 1" with exit 1 before.
        oneLineExit2(CliRun.of("eval", "ifeval", "--input", p.toString(), "--responses", p.toString(), "--output",
                dir.resolve("ifeval").toString()), p + ":8: not valid UTF-8 text");
    }

    @Test
    void aTruncatedGzipIsBadInput() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < 3000; i++) gz.write(("{\"instruction\": \"q" + i + "\", \"response\": \"a\"}\n").getBytes(StandardCharsets.UTF_8));
        }
        Path p = dir.resolve("cut.jsonl.gz");
        Files.write(p, Arrays.copyOf(bytes.toByteArray(), bytes.size() / 2));
        oneLineExit2(CliRun.of("data", "inspect", p.toString()), p + ": truncated or corrupt gzip data (");
    }
}
