package dev.mutual.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code mutual bench train} on a tiny shape: one JSON line per engine, and a bad engine name is a usage error. */
class BenchTrainCommandTest {

    @Test
    void printsOneJsonLinePerEngine() throws Exception {
        for (String engine : new String[] {"eager", "samediff"}) {
            CliRun r = CliRun.of("bench", "train", "--engine", engine, "--vocab", "64", "--batch", "1", "--seq", "8",
                    "--steps", "2", "--warmup", "1");
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().strip().split("\n");
            JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
            assertEquals(engine, json.get("engine").asText());
            assertTrue(json.get("tokens_per_s").asDouble() > 0, r.out());
            assertEquals(Math.log(64), json.get("first_loss").asDouble(), 0.1, "random init starts at ln V");
            assertTrue(json.get("peak_rss_mb").asDouble() > 0 && json.get("rss_end_mb").asDouble() > 0, r.out());
            assertTrue(json.get("optimizer_ms").asDouble() > 0, "AdamW's share of a step: " + r.out());
        }
    }

    @Test
    void unknownEngineIsAUsageError() {
        CliRun r = CliRun.of("bench", "train", "--engine", "jax", "--vocab", "64", "--steps", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--engine: expected eager or samediff, found \"jax\""), r.err());
    }
}
