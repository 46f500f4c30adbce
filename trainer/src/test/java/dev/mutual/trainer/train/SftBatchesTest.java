package dev.mutual.trainer.train;

import dev.mutual.data.Example;
import dev.mutual.data.UserInputException;
import dev.mutual.data.chat.ChatEncoder;
import dev.mutual.data.chat.ChatMessage;
import dev.mutual.data.chat.ChatTemplate;
import dev.mutual.data.tokenizer.TextTokenizer;
import dev.mutual.trainer.engine.TokenBatch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SFT and packed rows with the real llama2.c stories260K tokenizer and the built-in alpaca template. */
class SftBatchesTest {

    static final Path TOKENIZER = Path.of("../samples/tok512.bin");

    private static final Example CAT = Example.pair("cat", "Name a pet.", "", "A cat.", null, "t.jsonl", 1);

    private static ChatEncoder encoder(TextTokenizer tok) {
        return new ChatEncoder(tok, ChatTemplate.forTokenizer("alpaca", tok));
    }

    @Test
    void weightsExactlyOnTheReplyAndItsEos() {
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER)) {
            ChatEncoder enc = encoder(tok);
            int[] ids = enc.encode(SftBatches.messages(CAT)).ids();
            int prompt = enc.promptIds(SftBatches.messages(CAT).subList(0, 1)).length;
            // Hand-checked: 111 ids, the alpaca prompt (BOS ... "### Response:\n") is 103 of them, the reply
            // "A cat." is ids 103-106 and its EOS (2) id 107; the template's trailing "\n\n" (410, 13, 13) follows.
            assertEquals(111, ids.length);
            assertEquals(103, prompt);
            SftBatches.Rows rows = SftBatches.sft(List.of(CAT), new double[] {2.0}, enc, 128);
            TokenBatch b = rows.batch();
            List<Integer> weighted = new ArrayList<>();
            List<Integer> targets = new ArrayList<>();
            for (int t = 0; t < 128; t++) {
                if (b.lossWeights()[0][t] != 0) {
                    weighted.add(t);
                    targets.add(b.targetIds()[0][t]);
                    assertEquals(2.0, b.lossWeights()[0][t], 0.0);
                }
            }
            // Position t predicts ids[t + 1]: positions 102-106 predict the reply and its EOS, nothing else.
            assertEquals(List.of(102, 103, 104, 105, 106), weighted);
            assertEquals(List.of(447, 280, 294, 426, 2), targets);
            int[] replyIds = targets.stream().mapToInt(Integer::intValue).toArray();
            assertEquals(tok.eosId().getAsInt(), replyIds[replyIds.length - 1], "the reply ends with EOS");
            assertEquals("A cat.", tok.decode(replyIds).strip());
            // Inputs are the ids shifted by one, then padding id 0 with weight 0.
            assertArrayEquals(Arrays.copyOf(ids, ids.length - 1), Arrays.copyOf(b.inputIds()[0], ids.length - 1));
            assertArrayEquals(Arrays.copyOfRange(ids, 1, ids.length), Arrays.copyOf(b.targetIds()[0], ids.length - 1));
            for (int t = ids.length - 1; t < 128; t++) {
                assertEquals(0, b.inputIds()[0][t]);
                assertEquals(0.0, b.lossWeights()[0][t]);
            }
            assertEquals(0, rows.truncated());
            assertEquals(0, rows.emptyRows());
        }
    }

    @Test
    void weightZeroRowHasNoWeightAndTruncationKeepsThePromptStart() {
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER)) {
            ChatEncoder enc = encoder(tok);
            Example dog = Example.pair("dog", "Name another pet.", "It barks.", "A dog.", null, "t.jsonl", 2);
            SftBatches.Rows rows = SftBatches.sft(List.of(CAT, dog), new double[] {1.0, 0.0}, enc, 128);
            assertEquals(0.0, Arrays.stream(rows.batch().lossWeights()[1]).sum());
            assertTrue(Arrays.stream(rows.batch().lossWeights()[0]).sum() > 0);
            assertEquals(1, rows.emptyRows());

            int[] ids = enc.encode(SftBatches.messages(CAT)).ids();
            int prompt = enc.promptIds(List.of(ChatMessage.user(CAT.fullInstruction()))).length;
            // Room for the prompt and the first two reply tokens only.
            int seq = prompt + 1;
            SftBatches.Rows cut = SftBatches.sft(List.of(CAT), new double[] {1.0}, enc, seq);
            assertEquals(1, cut.truncated());
            assertArrayEquals(Arrays.copyOf(ids, seq), cut.batch().inputIds()[0]);
            assertArrayEquals(Arrays.copyOfRange(ids, 1, seq + 1), cut.batch().targetIds()[0]);
            assertEquals(2.0, Arrays.stream(cut.batch().lossWeights()[0]).sum(), 0.0);
            // Cut before the reply: nothing left to learn.
            SftBatches.Rows none = SftBatches.sft(List.of(CAT), new double[] {1.0}, enc, prompt - 2);
            assertEquals(1, none.emptyRows());
        }
    }

    /** Two 110-position examples share a row of 256, the third starts the next; each keeps its sft() row. */
    @Test
    void sftPackedKeepsEachExampleRowWithItsOwnSegmentAndPositions() {
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER)) {
            ChatEncoder enc = encoder(tok);
            Example dog = Example.pair("dog", "Name a pet.", "", "A dog.", null, "t.jsonl", 2);
            List<Example> examples = List.of(CAT, dog, CAT);
            double[] weights = {1.0, 2.0, 0.5};
            TokenBatch alone = SftBatches.sft(examples, weights, enc, 256).batch();
            SftBatches.Rows rows = SftBatches.sftPacked(examples, weights, enc, 256);
            TokenBatch b = rows.batch();
            int len = enc.encode(SftBatches.messages(CAT)).ids().length - 1;   // 110 positions
            assertEquals(len, enc.encode(SftBatches.messages(dog)).ids().length - 1);
            assertEquals(2, b.batchSize());
            int[][] where = {{0, 0}, {0, len}, {1, 0}};   // row and start of each example
            for (int e = 0; e < 3; e++) {
                int r = where[e][0], at = where[e][1];
                for (int t = 0; t < len; t++) {
                    assertEquals(alone.inputIds()[e][t], b.inputIds()[r][at + t]);
                    assertEquals(alone.targetIds()[e][t], b.targetIds()[r][at + t]);
                    assertEquals(alone.lossWeights()[e][t], b.lossWeights()[r][at + t]);
                    assertEquals(t, b.positions()[r][at + t]);
                    assertEquals(e == 1 ? 1 : 0, b.segments()[r][at + t]);
                }
            }
            // Padding: weight 0, a segment of its own, positions from 0.
            assertEquals(2, b.segments()[0][2 * len]);
            assertEquals(0, b.positions()[0][2 * len]);
            assertEquals(1, b.segments()[1][len]);
            assertEquals(0.0, Arrays.stream(b.lossWeights()[1], len, 256).sum());
            assertEquals(alone.weightSum(), b.weightSum(), 1e-12);
        }
    }

    @Test
    void unlabelledExampleIsAUserError() {
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER)) {
            Example u = Example.unlabelled("u1", "Some text.", null, "pool.jsonl", 7);
            UserInputException e = assertThrows(UserInputException.class,
                    () -> SftBatches.sft(List.of(u), new double[] {1}, encoder(tok), 16));
            assertTrue(e.getMessage().contains("pool.jsonl line 7"), e.getMessage());
        }
    }

    @Test
    void packedRowsOverlapByOneToken() {
        List<int[]> streams = List.of(new int[] {1, 10, 11, 12, 2}, new int[] {1, 20, 21, 22, 23, 2});
        TokenBatch b = SftBatches.packed(streams, 4);
        // 11 tokens -> (11 - 1) / 4 = 2 windows of 5: [1,10,11,12,2] and [2,1,20,21,22]; tail 23,2 dropped.
        assertEquals(2, b.batchSize());
        assertArrayEquals(new int[] {1, 10, 11, 12}, b.inputIds()[0]);
        assertArrayEquals(new int[] {10, 11, 12, 2}, b.targetIds()[0]);
        assertArrayEquals(new int[] {2, 1, 20, 21}, b.inputIds()[1]);
        assertArrayEquals(new int[] {1, 20, 21, 22}, b.targetIds()[1]);
        // Row 1 starts with stream 0's EOS (segment 0; its target is stream 1's BOS: weight 0), then stream 1 from
        // position 0.
        assertArrayEquals(new int[] {0, 0, 0, 0}, b.segments()[0]);
        assertArrayEquals(new int[] {0, 1, 2, 3}, b.positions()[0]);
        assertArrayEquals(new int[] {0, 1, 1, 1}, b.segments()[1]);
        assertArrayEquals(new int[] {0, 0, 1, 2}, b.positions()[1]);
        assertArrayEquals(new double[] {0, 1, 1, 1}, b.lossWeights()[1]);
        assertEquals(7.0, b.weightSum(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> SftBatches.packed(List.of(new int[] {1, 2}), 4));
    }
}
