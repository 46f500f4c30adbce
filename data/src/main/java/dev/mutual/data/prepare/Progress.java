package dev.mutual.data.prepare;

import org.slf4j.Logger;

/**
 * Logs "what: done/total (pct) rate/s ETA" at most every {@code intervalMillis}, and once at the end, so long
 * inputs show progress without flooding the log.
 */
public final class Progress {
    private final Logger log;
    private final String what;
    private final long total;
    private final long intervalMillis;
    private final long startNanos = System.nanoTime();
    private long lastLogNanos = startNanos;
    private long done;

    public Progress(Logger log, String what, long total, long intervalMillis) {
        this.log = log;
        this.what = what;
        this.total = total;
        this.intervalMillis = intervalMillis;
    }

    public Progress(Logger log, String what, long total) {
        this(log, what, total, 5000);
    }

    public void step() {
        done++;
        long now = System.nanoTime();
        if ((now - lastLogNanos) / 1_000_000 >= intervalMillis) {
            lastLogNanos = now;
            log.info(line(now));
        }
    }

    public void finish() {
        log.info(line(System.nanoTime()));
    }

    /** "near_dedup: 12000/52000 (23.1%) 4100/s ETA 10s" */
    String line(long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = done / seconds;
        String eta = rate > 0 && total > done ? String.format(" ETA %.0fs", (total - done) / rate) : "";
        double pct = total == 0 ? 100 : 100.0 * done / total;
        return String.format("%s: %d/%d (%.1f%%) %.0f/s%s", what, done, total, pct, rate, eta);
    }
}
