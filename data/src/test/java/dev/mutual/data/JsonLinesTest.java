package dev.mutual.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.mutual.testing.SharedDataAssumptions.assumeShared;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLinesTest {
    @TempDir
    Path dir;

    @Test
    void readsTheSharedMtBenchQuestionsWithLineNumbers() {
        // 80 questions, one per line (../shared/data/mt_bench/SOURCE.md); the first is question 81, a writing task.
        List<JsonLines.Line> lines = JsonLines.read(assumeShared("mt_bench/question.jsonl"), "MT-Bench questions");
        assertEquals(80, lines.size());
        assertEquals(1, lines.get(0).number());
        assertEquals(81, lines.get(0).integer("question_id"));
        assertEquals("writing", lines.get(0).text("category"));
        assertEquals(2, lines.get(0).texts(lines.get(0).node().get("turns"), "\"turns\"").size());
        assertEquals(80, lines.get(79).number());
    }

    @Test
    void blankLinesAreSkippedButCounted() throws IOException {
        Path file = dir.resolve("a.jsonl");
        Files.writeString(file, "{\"a\": 1}\n\n   \n{\"a\": 2}\n");
        List<JsonLines.Line> lines = JsonLines.read(file, "rows");
        assertEquals(List.of(1, 4), lines.stream().map(JsonLines.Line::number).toList());
        assertEquals(file + ":4", lines.get(1).where());
        assertEquals(file + ":4: expected a string field \"a\", found 2", lines.get(1).error("expected a string field \"a\", found 2").getMessage());
        assertEquals(file + ":4: expected a string field \"a\", found 2",
                assertThrows(UserInputException.class, () -> lines.get(1).text("a")).getMessage());
    }

    @Test
    void aReaderIsNamedByItsSource() throws IOException {
        BufferedReader in = new BufferedReader(new StringReader("{\"key\": 1}\n\"text\"\n"));
        assertEquals("classpath:/x.jsonl:2: not a JSON object (expected prompts): found string",
                assertThrows(UserInputException.class, () -> JsonLines.read(in, "classpath:/x.jsonl", "prompts")).getMessage());
    }

    @Test
    void errorsNameFileLineExpectedAndFound() throws IOException {
        Path missing = dir.resolve("none.jsonl");
        assertEquals(missing + ": no such file (expected rows)",
                assertThrows(UserInputException.class, () -> JsonLines.read(missing, "rows")).getMessage());

        Path array = dir.resolve("array.jsonl");
        Files.writeString(array, "{\"a\": 1}\n[1, 2]\n");
        assertEquals(array + ":2: not a JSON object (expected rows): found array",
                assertThrows(UserInputException.class, () -> JsonLines.read(array, "rows")).getMessage());

        Path broken = dir.resolve("broken.jsonl");
        Files.writeString(broken, "{\"a\": 1}\n{\"a\": \n");
        String message = assertThrows(UserInputException.class, () -> JsonLines.read(broken, "rows")).getMessage();
        assertTrue(message.startsWith(broken + ":2: not a JSON object (expected rows): Unexpected end-of-input"), message);
    }
}
