package dev.mutual.data.prepare;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Character lengths (code points) of one text field over a set of examples: count, mean, max and counts per power-of-two bucket
 * ("0-15", "16-31", ..., "8192+").
 */
public record LengthHistogram(long count, double mean, long max, Map<String, Long> buckets) {
    private static final int[] EDGES = {0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};

    public LengthHistogram {
        buckets = Collections.unmodifiableMap(new LinkedHashMap<>(buckets));
    }

    public static LengthHistogram of(List<Integer> lengths) {
        Map<String, Long> buckets = new LinkedHashMap<>();
        for (int i = 0; i < EDGES.length; i++) buckets.put(label(i), 0L);
        long sum = 0;
        long max = 0;
        for (int len : lengths) {
            sum += len;
            max = Math.max(max, len);
            int i = EDGES.length - 1;
            while (len < EDGES[i]) i--;
            buckets.merge(label(i), 1L, Long::sum);
        }
        double mean = lengths.isEmpty() ? 0 : Math.round(10.0 * sum / lengths.size()) / 10.0;
        return new LengthHistogram(lengths.size(), mean, max, buckets);
    }

    private static String label(int i) {
        return i == EDGES.length - 1 ? EDGES[i] + "+" : EDGES[i] + "-" + (EDGES[i + 1] - 1);
    }
}
