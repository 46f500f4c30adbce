package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench synthesize} and {@code bench pairs} on a tiny model: one line per batch size, the same results at each. */
class BenchMainCommandsTest {
    static final String[] TINY = {"--dim", "32", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "48", "--vocab", "100",
            "--threads", "1"};

    static JsonNode[] lines(CliRun r) throws Exception {
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode[] out = new JsonNode[lines.length];
        for (int i = 0; i < lines.length; i++) out[i] = new ObjectMapper().readTree(lines[i]);
        return out;
    }

    static String[] args(String command, String... more) {
        String[] a = new String[2 + TINY.length + more.length];
        a[0] = "bench";
        a[1] = command;
        System.arraycopy(TINY, 0, a, 2, TINY.length);
        System.arraycopy(more, 0, a, 2 + TINY.length, more.length);
        return a;
    }

    @Test
    void synthesizeSamplesTheSameTokensAtEveryBatchSize() throws Exception {
        JsonNode[] l = lines(CliRun.of(args("synthesize", "--batch", "1,3", "--sequences", "5", "--prompt-tokens", "6",
                "--new-tokens", "4", "--warmup", "0")));
        assertEquals(2, l.length);
        for (JsonNode o : l) {
            assertEquals("synthesize", o.get("bench").asText());
            assertEquals(20, o.get("new_tokens").asInt()); // 5 sequences x 4 tokens, no stop token
            assertTrue(o.get("tokens_per_s").asLong() > 0 && o.get("peak_rss_mb").asLong() > 0, o.toString());
            assertEquals(0.7, o.get("temperature").asDouble());
            assertEquals(0.9, o.get("top_p").asDouble());
        }
        assertEquals(1, l[0].get("batch").asInt());
        assertEquals(3, l[1].get("batch").asInt());
        // one random stream per prompt: batch 1 and a batch of 3 (then 2) draw the same tokens
        assertEquals(l[0].get("tokens_checksum").asText(), l[1].get("tokens_checksum").asText());
        // 32*100 embed + head, 2 layers of q/k/v/o (32x32, 16x32 twice, 32x32), 3 x 32x48 MLP and 2 norms, final norm
        assertEquals(2 * 3200 + 2 * (1024 + 512 + 512 + 1024 + 3 * 1536 + 64) + 32, l[0].get("parameters").asLong());
    }

    @Test
    void pairsScoresTheSamePmiAtEveryBatchSize() throws Exception {
        JsonNode[] l = lines(CliRun.of(args("pairs", "--batch", "1,4", "--pairs", "3", "--instruction-tokens", "2,5",
                "--response-tokens", "3,8")));
        assertEquals(2, l.length);
        // pair i: instruction 2 + 7i mod 4 = 2, 5, 4; response 3 + 37i mod 6 = 3, 4, 5 (+ end of turn);
        // conditional = BOS + 3 + instruction + 3 + target, unconditional = BOS + target
        long tokens = (7 + 2 + 4) + (7 + 5 + 5) + (7 + 4 + 6) + (1 + 4) + (1 + 5) + (1 + 6);
        for (JsonNode o : l) {
            assertEquals("pairs", o.get("bench").asText());
            assertEquals(6, o.get("requests").asInt());
            assertEquals(tokens, o.get("tokens").asLong());
            assertEquals(2 * (4 + 5 + 6), o.get("target_tokens").asLong());
            assertTrue(o.get("pairs_per_s").asDouble() > 0 && o.get("peak_rss_mb").asLong() > 0, o.toString());
        }
        // packed batches: a request's score does not depend on its batch
        assertEquals(l[0].get("mean_forward_pmi").asDouble(), l[1].get("mean_forward_pmi").asDouble(), 1e-6);
        assertTrue(Double.isFinite(l[0].get("mean_forward_pmi").asDouble()));
    }

    @Test
    void badSizesAreBadInput() {
        CliRun r = CliRun.of(args("pairs", "--response-tokens", "9,3"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--response-tokens: expected MIN,MAX with 1 <= MIN <= MAX, found [9, 3]"), r.err());
        r = CliRun.of("bench", "synthesize", "--heads", "4", "--kv-heads", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--kv-heads: expected a positive divisor of --heads (4), found 3"), r.err());
    }
}
