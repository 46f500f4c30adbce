package dev.mutual.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void writesTextLinesAndBytesIntoMissingFolders() throws IOException {
        Path text = dir.resolve("a/b/notes.txt");
        AtomicFile.writeString(text, "héllo\n");
        assertEquals("héllo\n", Files.readString(text, StandardCharsets.UTF_8));
        assertEquals(7, Files.size(text), "é is two bytes in UTF-8");

        Path jsonl = dir.resolve("rows.jsonl");
        AtomicFile.write(jsonl, out -> {
            for (int i = 0; i < 3; i++) out.write("{\"i\":" + i + "}\n");
        });
        assertEquals(List.of("{\"i\":0}", "{\"i\":1}", "{\"i\":2}"), Files.readAllLines(jsonl));

        Path png = dir.resolve("chart.png");
        byte[] bytes = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff};
        AtomicFile.writeBytes(png, bytes);
        assertArrayEquals(bytes, Files.readAllBytes(png));
        assertEquals(List.of("a", "chart.png", "rows.jsonl"), listing());
    }

    @Test
    void writesThroughAChannelAndCopiesReadableByOthers() throws IOException {
        Path bin = dir.resolve("model/weights.bin");
        AtomicFile.writeChannel(bin, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ch.write(ByteBuffer.wrap(new byte[] {4}));
        });
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(bin));

        Path source = dir.resolve("tokenizer.json");
        Files.writeString(source, "{\"model\":{}}");
        Path copy = dir.resolve("model/tokenizer.json");
        AtomicFile.copy(source, copy);
        assertEquals("{\"model\":{}}", Files.readString(copy));
        // createTempFile alone would leave rw-------, unreadable to other users of a shared model folder
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(bin)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
        assertEquals(List.of("tokenizer.json", "weights.bin"), listing(dir.resolve("model")));
    }

    @Test
    void failedWriteKeepsTheOldFileAndLeavesNoTempFile() throws IOException {
        Path target = dir.resolve("results.json");
        AtomicFile.writeString(target, "old");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> AtomicFile.write(target, out -> {
            out.write("half a fi");
            throw new IllegalStateException("generator died");
        }));
        assertEquals("generator died", thrown.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("results.json"), listing());
    }

    @Test
    void unwritableTargetNamesTheFile() throws IOException {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "a file where a folder should be");
        Path target = blocker.resolve("out.txt");
        // Bad input (exit 2) naming both paths, not a raw "cannot write" from the rename (exit 1).
        UserInputException e = assertThrows(UserInputException.class, () -> AtomicFile.writeString(target, "x"));
        assertEquals(target + ": " + blocker.toAbsolutePath() + " is a file (expected a directory to write into)", e.getMessage());
        Path folder = Files.createDirectory(dir.resolve("folder"));
        e = assertThrows(UserInputException.class, () -> AtomicFile.writeString(folder, "x"));
        assertEquals(folder + ": is a directory (expected a file path to write)", e.getMessage());
    }

    private List<String> listing() throws IOException {
        return listing(dir);
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
