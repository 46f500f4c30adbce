package dev.mutual.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code mutual bench sft} on the Dolly sample at a tiny shape: one JSON line per batching; a bad name is refused. */
class BenchSftCommandTest {

    private static final String DATA = Path.of("..", "samples", "seed_dolly_open_qa.jsonl").toString();
    private static final String TOKENIZER = Path.of("..", "samples", "tok512.bin").toString();

    @Test
    void printsOneJsonLinePerBatching() throws Exception {
        for (String batching : new String[] {"pad", "buckets", "pack"}) {
            CliRun r = CliRun.of("bench", "sft", "--batching", batching, "--data", DATA, "--tokenizer", TOKENIZER,
                    "--batch", "2", "--seq", "160", "--steps", "1", "--warmup", "0");
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().strip().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals(batching, json.get("batching").asText());
            assertEquals(200, json.get("examples").asInt());
            assertTrue(json.get("trained_tokens_per_s").asDouble() > 0, r.out());
            double fraction = json.get("trained_fraction").asDouble();
            assertTrue(fraction > 0 && fraction <= 1, r.out());
            assertEquals(Math.log(512), json.get("first_loss").asDouble(), 0.3, "random init starts near ln V");
            String engines = json.get("engine_lengths").asText();
            assertTrue(batching.equals("buckets") ? engines.startsWith("[16") : engines.equals("[160]"), engines);
        }
    }

    @Test
    void unknownBatchingIsAUsageError() {
        CliRun r = CliRun.of("bench", "sft", "--batching", "sort", "--data", DATA, "--steps", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--batching: expected pad, buckets or pack, found \"sort\""), r.err());
    }
}
