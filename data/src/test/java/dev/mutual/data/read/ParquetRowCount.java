package dev.mutual.data.read;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * Reads a Parquet (or JSONL) file's rows through {@link JsonRecords} and prints {@code rows=N chars=C seconds=S}, holding
 * nothing: run in a child JVM with a small heap by {@link ParquetStreamingTest}, and by hand for BENCHMARKS.md.
 */
public final class ParquetRowCount {
    private ParquetRowCount() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        long[] chars = {0};
        long rows = JsonRecords.forEach(Path.of(args[0]), new JsonRecords.Visitor() {
            @Override
            public boolean record(long line, JsonNode node) {
                for (JsonNode m : node.path("messages")) chars[0] += m.path("content").asText().length();
                return true;
            }

            @Override
            public void invalid(long line, InvalidRecordException problem) {
                throw new IllegalStateException(line + ": " + problem.getMessage());
            }
        });
        System.out.printf("rows=%d chars=%d seconds=%.2f%n", rows, chars[0], (System.nanoTime() - start) / 1e9);
    }
}
