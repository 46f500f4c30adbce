package dev.mutual.experiments.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code mutual bench serve} at toy size: every request answered, the figures on one JSON line per phase. */
class BenchServeCommandTest {
    @Test
    void concurrentClientsAllGetAnswers() throws Exception {
        CliRun run = CliRun.of("bench", "serve", "--model", "../samples/stories260K.bin", "--tokenizer", "../samples/tok512.bin",
                "--clients", "6", "--requests", "12", "--single", "2", "--max-tokens", "8", "--max-batch", "4", "--queue", "2", "--threads", "1");
        assertEquals(0, run.code(), run.err());
        String[] lines = run.out().strip().split("\n");
        assertEquals(2, lines.length, run.out());
        JsonNode concurrent = new ObjectMapper().readTree(lines[0]);
        assertEquals("concurrent", concurrent.get("phase").asText());
        assertEquals(12, concurrent.get("completed").asInt());
        assertEquals(0, concurrent.get("failed").asInt());
        assertEquals(0, concurrent.get("lost").asInt());
        assertTrue(concurrent.get("completion_tokens").asInt() > 0);
        assertTrue(concurrent.get("p99_ms").asLong() >= concurrent.get("p50_ms").asLong());
        assertEquals("batch-1", new ObjectMapper().readTree(lines[1]).get("phase").asText());
    }
}
