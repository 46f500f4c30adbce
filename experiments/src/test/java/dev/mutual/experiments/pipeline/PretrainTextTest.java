package dev.mutual.experiments.pipeline;

import dev.mutual.data.UserInputException;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.engine.TokenBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plain text to pretraining rows with stories260K's tokenizer (BOS 1, EOS 2): ids, weights, positions, segments. */
class PretrainTextTest {

    // tok512.bin: "Once upon a time" -> 403 407 261 378, "The cat sat" -> 291 280 294 262 294 (without BOS/EOS).
    static final int[] ONCE = {1, 403, 407, 261, 378, 2};
    static final int[] CAT = {1, 291, 280, 294, 262, 294, 2};

    static TextTokenizer tokenizer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        tokenizer = TextTokenizer.load(Path.of("../samples/tok512.bin"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static List<String> lines = new ArrayList<>();

    private static PretrainText read(Path data, int maxDocuments, long maxTokens) {
        lines = new ArrayList<>();
        return PretrainText.read(data, tokenizer, maxDocuments, maxTokens, lines::add);
    }

    @Test
    void documentsBecomeBosTextEosStreamsInFileOrder() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(dir.resolve("b.txt"), "The cat sat");
        Files.writeString(dir.resolve("a.txt"), "Once upon a time");
        Files.writeString(dir.resolve("c.txt"), "  \n");            // empty: skipped
        Files.writeString(dir.resolve("notes.md"), "not text data"); // not read
        PretrainText text = read(dir, 0, 0);
        assertEquals(2, text.documents());
        assertEquals(1, text.skipped());
        assertEquals(13, text.tokens());
        assertArrayEquals(ONCE, text.streams().get(0));
        assertArrayEquals(CAT, text.streams().get(1));
        assertTrue(lines.get(lines.size() - 1).startsWith("tokenize docs: 2 documents "), lines.toString());
    }

    @Test
    void packedRowsFollowDocumentsAndNeverPredictAcrossThem() throws IOException {
        Path file = tmp.resolve("two.jsonl");
        Files.writeString(file, "{\"text\": \"Once upon a time\", \"source\": \"x\"}\n\n{\"text\": \"The cat sat\"}\n");
        PretrainText text = read(file, 0, 0);
        // 13 ids, windows of 5 overlapping by one: 3 rows of 4 positions, the last id (EOS) only a target.
        TokenBatch packed = text.rows(file, 4, true);
        assertEquals(3, packed.batchSize());
        assertArrayEquals(new int[][]{{1, 403, 407, 261}, {378, 2, 1, 291}, {280, 294, 262, 294}}, packed.inputIds());
        assertArrayEquals(new int[][]{{403, 407, 261, 378}, {2, 1, 291, 280}, {294, 262, 294, 2}}, packed.targetIds());
        // Row 2 position 2: EOS of the first document would predict the second's BOS: weight 0.
        assertArrayEquals(new double[][]{{1, 1, 1, 1}, {1, 0, 1, 1}, {1, 1, 1, 1}}, packed.lossWeights());
        assertArrayEquals(new int[][]{{0, 1, 2, 3}, {0, 1, 0, 1}, {0, 1, 2, 3}}, packed.positions());
        assertArrayEquals(new int[][]{{0, 0, 0, 0}, {0, 0, 1, 1}, {0, 0, 0, 0}}, packed.segments());

        // packing: false: the same ids and weights, one causal window per row.
        TokenBatch plain = text.rows(file, 4, false);
        assertArrayEquals(packed.inputIds(), plain.inputIds());
        assertArrayEquals(packed.targetIds(), plain.targetIds());
        assertArrayEquals(packed.lossWeights(), plain.lossWeights());
        assertArrayEquals(new int[][]{{0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3}}, plain.positions());
        assertArrayEquals(new int[3][4], plain.segments());

        UserInputException tooShort = assertThrows(UserInputException.class, () -> text.rows(file, 13, true));
        assertTrue(tooShort.getMessage().startsWith(file + ": the text has 13 tokens, fewer than one row of seq_len + 1"
                + " = 14"), tooShort.getMessage());
    }

    @Test
    void limitsStopTheReadBeforeLaterLinesAreParsed() throws IOException {
        Path file = tmp.resolve("docs.jsonl");
        Files.writeString(file, "{\"text\": \"Once upon a time\"}\n{\"text\": \"The cat sat\"}\n{broken\n");
        PretrainText one = read(file, 1, 0);
        assertEquals(1, one.documents());
        assertArrayEquals(ONCE, one.streams().get(0));
        assertTrue(lines.get(lines.size() - 1).startsWith("tokenize docs.jsonl: 1/1 documents (100.0%)"), lines.toString());

        // max_tokens cuts the document that crosses it.
        PretrainText eight = read(file, 0, 8);
        assertEquals(2, eight.documents());
        assertEquals(8, eight.tokens());
        assertArrayEquals(new int[]{1, 291}, eight.streams().get(1));

        // Read to the end, the broken line stops it with FILE:LINE.
        UserInputException e = assertThrows(UserInputException.class, () -> read(file, 0, 0));
        assertTrue(e.getMessage().startsWith(file + ":3: expected a JSON object with a \"text\" field, found broken"
                + " JSON"), e.getMessage());
    }
}
