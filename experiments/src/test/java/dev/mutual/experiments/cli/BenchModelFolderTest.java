package dev.mutual.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code bench score --model} and {@code bench generate --warmup} on the tiny Qwen2 parity folder (tied, q/k/v bias). */
class BenchModelFolderTest {

    static final Path QWEN2 = Path.of("../trainer/src/test/resources/parity/qwen2");

    @Test
    void scoresAModelFolder() throws Exception {
        CliRun r = CliRun.of("bench", "score", "--model", QWEN2.toString(), "--seq", "8", "--batch", "1,2",
                "--sequences", "2", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        JsonNode a = new ObjectMapper().readTree(lines[0]), b = new ObjectMapper().readTree(lines[1]);
        assertTrue(a.get("config").asText().contains("V=96 seq=8 model=qwen2"), a.toString());
        assertTrue(a.get("mean_logprob").asDouble() < 0, a.toString());
        assertEquals(a.get("mean_logprob").asDouble(), b.get("mean_logprob").asDouble(), 1e-5, "batch 1 and 2 agree");
    }

    @Test
    void scoreRejectsAMissingFolder() {
        CliRun r = CliRun.of("bench", "score", "--model", "no/such/dir", "--sequences", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model no/such/dir: not a model folder"), r.err());
    }

    @Test
    void generatesWithFewerWarmups() throws Exception {
        CliRun r = CliRun.of("bench", "generate", "--model", QWEN2.toString(), "--warmup", "0", "--runs", "1",
                "--tokens", "5");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out().strip());
        assertEquals(5, j.get("tokens").asInt(), j.toString());
    }
}
