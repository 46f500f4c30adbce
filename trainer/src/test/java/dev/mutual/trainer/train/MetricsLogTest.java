package dev.mutual.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mutual.data.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

    @Test
    void writesOneFlushedJsonLinePerStep(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("run/metrics.jsonl");
        try (MetricsLog log = new MetricsLog(file)) {
            log.accept(new TrainStep(1, 2.5, 3e-4, 1.75, 200, 150.5, 0.5));
            // Readable before close: each step is flushed as it ends.
            assertEquals(1, Files.readAllLines(file).size());
            log.accept(new TrainStep(2, 2.25, 2e-4, 0.5, 300, 300, 1.5));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertEquals(1, first.get("step").intValue());
        assertEquals(2.5, first.get("loss").doubleValue(), 0);
        assertEquals(3e-4, first.get("lr").doubleValue(), 0);
        assertEquals(1.75, first.get("grad_norm").doubleValue(), 0);
        assertEquals(200, first.get("tokens").longValue());
        assertEquals(150.5, first.get("weight_sum").doubleValue(), 0);
        assertEquals(400.0, first.get("tokens_per_s").doubleValue(), 1e-12, "200 tokens in 0.5 s");
        assertTrue(first.get("rss_mb").doubleValue() > 10, "resident memory of this JVM: " + first.get("rss_mb"));
        JsonNode second = json.readTree(lines.get(1));
        assertEquals(200.0, second.get("tokens_per_s").doubleValue(), 1e-12, "300 tokens in 1.5 s");
        assertEquals(2.0, second.get("elapsed_s").doubleValue(), 1e-12, "0.5 + 1.5");
        assertTrue(second.get("mfu").isNull(), "no FLOP counts given");
    }

    @Test
    void mfuIsModelFlopsPerSecondOverThePeak(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        // 6e9 model FLOPs per step on a 1e10 FLOP/s machine: 0.6 s would be 100%.
        try (MetricsLog log = new MetricsLog(file, 6e9, 1e10)) {
            log.accept(new TrainStep(1, 2.5, 3e-4, 1.75, 200, 200, 2.0));
            log.accept(new TrainStep(2, 2.5, 3e-4, 1.75, 200, 200, 0.75));
        }
        List<String> lines = Files.readAllLines(file);
        ObjectMapper json = new ObjectMapper();
        assertEquals(0.3, json.readTree(lines.get(0)).get("mfu").doubleValue(), 1e-12);
        assertEquals(0.8, json.readTree(lines.get(1)).get("mfu").doubleValue(), 1e-12);
    }

    @Test
    void replacesAnEarlierLogAndNamesTheFileWhenItCannotWrite(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":99}\n");
        try (MetricsLog log = new MetricsLog(file)) {
            log.accept(new TrainStep(1, 1, 1e-3, 1, 1, 1, 1));
        }
        // The old line is gone (not just "99": rss_mb or a timing may contain those digits).
        assertEquals(List.of(1), Files.readAllLines(file).stream().map(l -> l.replaceAll(".*\"step\":(\\d+).*", "$1"))
                .map(Integer::parseInt).toList());

        Path notAFolder = dir.resolve("plain-file");
        Files.writeString(notAFolder, "x");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> new MetricsLog(notAFolder.resolve("metrics.jsonl")));
        assertTrue(e.getMessage().contains("plain-file/metrics.jsonl"), e.getMessage());
    }

    /** Resumed from checkpoint 2: steps 1-2 stay, step 3 and a line cut short by the kill go, step 3 is appended. */
    @Test
    void continuingKeepsTheStepsUpToTheCheckpoint(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = new MetricsLog(file)) {
            for (int step = 1; step <= 3; step++) log.accept(new TrainStep(step, 3 - step * 0.1, 1e-3, 1, 10, 10, 0.5));
        }
        Files.writeString(file, Files.readString(file) + "{\"step\":4,\"lo");
        try (MetricsLog log = MetricsLog.continuing(file, 2)) {
            log.accept(new TrainStep(3, 2.75, 1e-3, 1, 10, 10, 0.25));
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of(1, 2, 3), lines.stream().map(l -> {
            try {
                return json.readTree(l).get("step").intValue();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList());
        JsonNode third = json.readTree(lines.get(2));
        assertEquals(2.75, third.get("loss").doubleValue(), 0);
        assertEquals(1.25, third.get("elapsed_s").doubleValue(), 1e-12, "0.5 + 0.5 before the resume, then 0.25");

        Files.writeString(file, "{\"step\":1}\nnot json\n{\"step\":2}\n");
        UserInputException e = assertThrows(UserInputException.class,
                () -> MetricsLog.continuing(file, 5));
        assertTrue(e.getMessage().contains("metrics.jsonl:2: not a JSON object"), e.getMessage());
    }

    /** read gives back the steps as written; a last line cut short by a kill is skipped, a broken earlier line named. */
    @Test
    void readGivesBackTheStepsAndSkipsALineCutShort(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        List<TrainStep> written = List.of(new TrainStep(1, 2.5, 3e-4, 1.75, 200, 150.5, 0.5),
                new TrainStep(2, 2.25, 2e-4, 0.5, 300, 300, 1.5));
        try (MetricsLog log = new MetricsLog(file)) {
            written.forEach(log);
        }
        Files.writeString(file, "{\"step\":3,\"lo", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(written, MetricsLog.read(file));
        Files.writeString(file, "\n{\"step\":4,\"loss\":1.0}\n", java.nio.file.StandardOpenOption.APPEND);
        UserInputException e = assertThrows(UserInputException.class, () -> MetricsLog.read(file));
        assertTrue(e.getMessage().startsWith(file + ":3: not a JSON object"), e.getMessage());
    }
}
