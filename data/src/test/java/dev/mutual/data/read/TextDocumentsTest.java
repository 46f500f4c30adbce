package dev.mutual.data.read;

import dev.mutual.data.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plain-text documents for pretraining: .txt, .jsonl(.gz) with "text", folders; bad input names FILE:LINE. */
class TextDocumentsTest {

    @TempDir
    Path tmp;

    private static List<TextDocuments.Document> all(Path data) {
        List<TextDocuments.Document> docs = new ArrayList<>();
        TextDocuments.forEach(data, docs::add);
        return docs;
    }

    @Test
    void readsGzippedJsonlLinesAndFoldersInNameOrder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("corpus"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("b.jsonl.gz")))) {
            out.write("{\"text\": \"first line\", \"title\": \"T\"}\n\n{\"text\": \"\"}\n{\"text\": \"é third\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(dir.resolve("a.txt"), "a whole file\n\nis one document\n");
        List<TextDocuments.Document> docs = all(dir);
        assertEquals(3, docs.size());
        assertEquals("a whole file\n\nis one document\n", docs.get(0).text());
        assertEquals(dir.resolve("a.txt") + ":1", docs.get(0).where());
        assertEquals("first line", docs.get(1).text());
        assertEquals(dir.resolve("b.jsonl.gz") + ":4", docs.get(2).where());   // blank line 2 and empty text 3 skipped
        assertEquals("é third", docs.get(2).text());
        assertEquals(1, TextDocuments.forEach(dir.resolve("b.jsonl.gz"), d -> true));   // one empty text
    }

    @Test
    void badInputNamesTheFileLineAndWhatWasExpected() throws IOException {
        Path noText = Files.writeString(tmp.resolve("a.jsonl"), "{\"text\": \"ok\"}\n{\"body\": \"x\", \"id\": 2}\n");
        UserInputException e = assertThrows(UserInputException.class, () -> all(noText));
        assertEquals(noText + ":2: expected a string field \"text\" (the document), found no such field (fields: body, id)",
                e.getMessage());

        Path number = Files.writeString(tmp.resolve("n.jsonl"), "{\"text\": 7}\n");
        e = assertThrows(UserInputException.class, () -> all(number));
        assertEquals(number + ":1: expected a string field \"text\" (the document), found 7", e.getMessage());

        Path array = Files.writeString(tmp.resolve("arr.jsonl"), "[1, 2]\n");
        e = assertThrows(UserInputException.class, () -> all(array));
        assertEquals(array + ":1: expected a JSON object with a \"text\" field, found [1, 2]", e.getMessage());

        Path csv = Files.writeString(tmp.resolve("data.csv"), "text\nhello\n");
        e = assertThrows(UserInputException.class, () -> all(csv));
        assertTrue(e.getMessage().startsWith(csv + ": expected plain text for pretraining: a .txt file"), e.getMessage());

        Path latin1 = Files.write(tmp.resolve("latin1.txt"), new byte[]{'c', 'a', 'f', (byte) 0xE9});
        e = assertThrows(UserInputException.class, () -> all(latin1));
        assertEquals(latin1 + ": expected UTF-8 text, found bytes that are not UTF-8", e.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("README.md"), "x");
        e = assertThrows(UserInputException.class, () -> all(empty));
        assertEquals(empty + ": expected .txt, .jsonl, .jsonl.gz or .parquet files in the folder, found none", e.getMessage());

        e = assertThrows(UserInputException.class, () -> all(tmp.resolve("missing.txt")));
        assertTrue(e.getMessage().startsWith(tmp.resolve("missing.txt") + ": no such file or folder"), e.getMessage());
    }
}
