package dev.mutual.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code mutual bench lora} on the tiny shape: one JSON line with the adapter's size; a bad shape is a usage error. */
class BenchLoraCommandTest {

    @Test
    void printsOneJsonLine() throws Exception {
        CliRun r = CliRun.of("bench", "lora", "--shape", "tiny-qwen2", "--layers", "1", "--lora-rank", "4",
                "--seq", "8", "--grad-accum", "2", "--steps", "1", "--warmup", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("mutual", json.get("impl").asText());
        assertEquals(1, json.get("layers").asInt());
        // r 4 on q, k, v, o (64 -> 64, 64 -> 32 twice, 64 -> 64) and gate, up, down (64 <-> 160), one layer
        assertEquals(4L * (128 + 96 + 96 + 128 + 224 * 3), json.get("lora_params").asLong());
        assertTrue(json.get("tokens_per_s").asDouble() > 0, r.out());
        assertEquals(Math.log(512), json.get("first_loss").asDouble(), 0.1, "random init starts near ln V");
        assertTrue(json.get("peak_rss_mb").asDouble() >= json.get("rss_end_mb").asDouble(), r.out());
    }

    @Test
    void bf16BaseAndThreads() throws Exception {
        CliRun r = CliRun.of("bench", "lora", "--shape", "tiny-qwen2", "--layers", "1", "--lora-rank", "4",
                "--seq", "8", "--grad-accum", "1", "--steps", "1", "--warmup", "0", "--base-dtype", "bf16", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals("bf16", json.get("base_dtype").asText());
        assertEquals(1, json.get("threads").asInt());
        assertEquals(Math.log(512), json.get("first_loss").asDouble(), 0.1);
        CliRun bad = CliRun.of("bench", "lora", "--base-dtype", "fp8", "--steps", "1");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--base-dtype: expected fp32 or bf16, found \"fp8\""), bad.err());
    }

    @Test
    void unknownShapeIsAUsageError() {
        CliRun r = CliRun.of("bench", "lora", "--shape", "qwen2-7b", "--steps", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--shape: expected qwen2-0.5b or tiny-qwen2, found \"qwen2-7b\""), r.err());
    }
}
