package dev.mutual.experiments.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stage that dies of an Error (an OutOfMemoryError from a model too big for the heap) leaves the reason in the run
 * directory's metrics.jsonl and log.txt, as an exception does; before, only IOException and RuntimeException were
 * recorded and the run directory said nothing.
 */
class PipelineErrorTest {
    @TempDir
    Path tmp;

    private static Stage throwing(Throwable t) {
        return new Stage() {
            @Override
            public int codeVersion() {
                return 1;
            }

            @Override
            public List<Path> inputFiles() {
                return List.of();
            }

            @Override
            public StageResult run(StageContext ctx) throws IOException {
                Files.writeString(ctx.workDir().resolve("out.txt"), "HALF");
                if (t instanceof Error e) throw e;
                throw (RuntimeException) t;
            }
        };
    }

    private JsonNode failedLine(Throwable t, Class<? extends Throwable> type) throws IOException {
        Pipeline p = new Pipeline(List.of(new PipelineStage("a", "upper", "x: 1", List.of(), throwing(t))));
        Path dir;
        try (RunDirectory run = RunDirectory.open(tmp.resolve("runs"), "chain", "name: " + type.getSimpleName() + "\n", "# test\n",
                Instant.parse("2026-01-02T03:04:05Z"))) {
            dir = run.dir();
            assertThrows(type, () -> p.run(run, Set.of()));
        }
        assertFalse(Files.exists(dir.resolve("a")), "nothing that looks finished");
        List<String> lines = Files.readAllLines(dir.resolve(RunDirectory.METRICS));
        assertEquals(1, lines.size());
        String log = Files.readString(dir.resolve(RunDirectory.LOG));
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertTrue(log.contains("stage 1/1 a (upper): failed after ") && log.contains(line.get("error").asText()), log);
        assertEquals("failed", line.get("status").asText());
        return line;
    }

    @Test
    void anOutOfMemoryErrorIsRecorded() throws IOException {
        assertEquals("OutOfMemoryError: Java heap space", failedLine(new OutOfMemoryError("Java heap space"), OutOfMemoryError.class)
                .get("error").asText());
    }

    @Test
    void anExceptionWithoutMessageIsNamed() throws IOException {
        assertEquals("NullPointerException", failedLine(new NullPointerException(), NullPointerException.class).get("error").asText());
    }
}
