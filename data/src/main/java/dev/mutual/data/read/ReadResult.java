package dev.mutual.data.read;

import dev.mutual.data.Example;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one data file gave.
 *
 * @param file          the file read
 * @param format        the format used (detected or named)
 * @param records       records read (lines or array entries; for OASST trees, messages), valid or not
 * @param examples      the examples produced, in file order (after any limit)
 * @param skipped       invalid records skipped, by reason (empty unless invalid records are skipped)
 * @param skippedLines  the first few skipped records as "FILE:LINE: what is wrong", for the report
 */
public record ReadResult(Path file, Format format, long records, List<Example> examples, Map<String, Long> skipped,
                         List<String> skippedLines) {
    public ReadResult {
        examples = List.copyOf(examples);
        skipped = Collections.unmodifiableMap(new TreeMap<>(skipped)); // sorted: stable reports
        skippedLines = List.copyOf(skippedLines);
    }

    public long skippedTotal() {
        long n = 0;
        for (long v : skipped.values()) n += v;
        return n;
    }
}
