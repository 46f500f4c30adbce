package dev.mutual.data;

import org.slf4j.Logger;

/**
 * Logs "what: done/total unit (pct) rate/s ETA" at most every {@code intervalMillis} and once at the end, so long
 * work shows progress without flooding the log.
 */
public final class Progress {
    private final Logger log;
    private final String what;
    private final String unit;
    private final long total;
    private final long intervalMillis;
    private final long startNanos = System.nanoTime();
    private long lastLogNanos = startNanos;
    private long done;

    public Progress(Logger log, String what, long total, String unit, long intervalMillis) {
        this.log = log;
        this.what = what;
        this.total = total;
        this.unit = unit;
        this.intervalMillis = intervalMillis;
    }

    /** Counts items, logging every 5 seconds. */
    public Progress(Logger log, String what, long total) {
        this(log, what, total, "items", 5000);
    }

    /** One more item done. */
    public void step() {
        update(done + 1);
    }

    /** {@code done} items (or bytes) done so far. */
    public void update(long done) {
        this.done = done;
        long now = System.nanoTime();
        if ((now - lastLogNanos) / 1_000_000 >= intervalMillis) {
            lastLogNanos = now;
            log.info(line(now));
        }
    }

    public void finish() {
        log.info(line(System.nanoTime()));
    }

    /** "near_dedup: 12000/52000 items (23.1%) 4100/s ETA 10s" */
    public String line(long nowNanos) {
        double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        double rate = done / seconds;
        String eta = rate > 0 && total > done ? String.format(" ETA %.0fs", (total - done) / rate) : "";
        double pct = total == 0 ? 100 : 100.0 * done / total;
        return String.format("%s: %d/%d %s (%.1f%%) %.0f/s%s", what, done, total, unit, pct, rate, eta);
    }
}
