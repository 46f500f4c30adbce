package dev.mutual.data.read;

import dev.mutual.data.JsonLines;
import dev.mutual.data.UserInputException;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files that cannot be read say what is wrong with them, at the right line, as bad input (exit 2): before, a
 * directory was "no such file", a bad byte on line 8 was reported at line 1, a valid 50 MB line was "malformed
 * JSON", a truncated gzip was "read failed" (exit 1), Latin-1 bytes in a small JSONL file gave "Input length = 1"
 * (exit 1), and a JSON array followed by garbage was read.
 */
class UnreadableInputTest {
    @TempDir
    Path dir;

    private static String lines(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) b.append("{\"instruction\": \"q").append(i).append("\", \"response\": \"a").append(i).append("\"}\n");
        return b.toString();
    }

    private UserInputException error(Path p) {
        return assertThrows(UserInputException.class, () -> DataReader.read(p, DataReader.Options.defaults()));
    }

    @Test
    void aDirectoryIsNamedAsOne() throws IOException {
        Path d = Files.createDirectory(dir.resolve("data.jsonl"));
        assertEquals(d + ": is a directory (expected a file)", error(d).getMessage());
        assertEquals(d + ": is a directory (expected a file) (expected rows)",
                assertThrows(UserInputException.class, () -> JsonLines.read(d, "rows")).getMessage());
    }

    @Test
    void brokenUtf8IsReportedAtItsOwnLine() throws IOException {
        byte[] good = lines(7).getBytes(StandardCharsets.UTF_8);
        byte[] bad = "{\"instruction\": \"caf\u00e9\", \"response\": \"x\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(good, good.length + bad.length);
        System.arraycopy(bad, 0, all, good.length, bad.length);
        Path p = dir.resolve("latin1.jsonl");
        Files.write(p, all);
        String expected = p + ":8: not valid UTF-8 text at byte 21 of the line (0xE9) (expected UTF-8, found a malformed byte sequence;"
                + " convert the file, e.g. iconv -f latin1 -t utf-8)";
        assertEquals(expected, error(p).getMessage());
        assertEquals(expected, assertThrows(UserInputException.class, () -> JsonLines.read(p, "rows")).getMessage(), "was 'Input length = 1', exit 1");
    }

    @Test
    void aValidFiftyMegabyteLineIsRead() throws IOException {
        String big = "x".repeat(50 << 20);
        Path p = dir.resolve("big.jsonl");
        Files.writeString(p, "{\"instruction\": \"q\", \"response\": \"" + big + "\"}\n");
        assertEquals(big.length(), DataReader.read(p, DataReader.Options.defaults()).examples().get(0).response().length());
    }

    @Test
    void aTruncatedGzipIsBadInput() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(lines(2000).getBytes(StandardCharsets.UTF_8));
        }
        byte[] whole = bytes.toByteArray();
        Path p = dir.resolve("cut.jsonl.gz");
        Files.write(p, Arrays.copyOf(whole, whole.length / 2));
        String m = error(p).getMessage();
        assertTrue(m.startsWith(p + ": truncated or corrupt gzip data (Unexpected end of ZLIB input stream); expected a complete .gz file"), m);
        Path notGzip = dir.resolve("plain.jsonl.gz");
        Files.writeString(notGzip, lines(2));
        m = error(notGzip).getMessage();
        assertTrue(m.startsWith(notGzip + ": truncated or corrupt gzip data (Not in GZIP format)"), m);
    }

    @Test
    void aJsonArrayFollowedByGarbageIsRefused() throws IOException {
        Path p = dir.resolve("pairs.json");
        Files.writeString(p, "[{\"instruction\": \"q\", \"response\": \"a\"}]\n\n garbage");
        String m = error(p).getMessage();
        assertTrue(m.startsWith(p + ":3: malformed JSON (expected a JSON array of objects, found: Unrecognized token 'garbage'"), m);
        Files.writeString(p, "[{\"instruction\": \"q\", \"response\": \"a\"}]\n[{\"instruction\": \"r\", \"response\": \"b\"}]");
        assertEquals(p + ":2: content after the JSON array (expected the end of the file, found [)", error(p).getMessage());
    }
}
