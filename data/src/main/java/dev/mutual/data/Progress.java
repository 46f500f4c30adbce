package dev.mutual.data;

import org.slf4j.Logger;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Reports "what: done/total unit (pct) rate/s ETA" at most every {@code intervalMillis} and once at the end, so long
 * work shows progress without flooding the log. This is Mutual's one progress reporter (data preparation, judging,
 * generation, scoring); it is not thread-safe: report from the thread that collects results.
 */
public final class Progress {
    private final Consumer<String> sink;
    private final String what;
    private final String unit;
    private final long total;
    private final long intervalMillis;
    private final long startNanos = System.nanoTime();
    private long lastLogNanos = startNanos;
    private long done;
    private long startDone;
    private String note = "";

    /** Reports to {@code sink} (a console writer, say) instead of a logger; a {@code total} below 0 is unknown. */
    public Progress(Consumer<String> sink, String what, long total, String unit, long intervalMillis) {
        this.sink = sink;
        this.what = what;
        this.total = total;
        this.unit = unit;
        this.intervalMillis = intervalMillis;
    }

    /** Logs at INFO to {@code log}. */
    public Progress(Logger log, String what, long total, String unit, long intervalMillis) {
        this(log::info, what, total, unit, intervalMillis);
    }

    /** Counts items, logging every 5 seconds. */
    public Progress(Logger log, String what, long total) {
        this(log, what, total, "items", 5000);
    }

    /**
     * Continues a job that had {@code done} items done before this reporter (a resumed training run): the count
     * starts there, the rate and ETA cover only the items done since.
     */
    public Progress startingAt(long done) {
        this.startDone = done;
        this.done = done;
        return this;
    }

    /** One more item done. */
    public void step() {
        update(done + 1);
    }

    /** {@code done} items done so far, with a note appended to the line (e.g. "running exact_match 0.4100"). */
    public void update(long done, String note) {
        this.note = note == null || note.isEmpty() ? "" : ", " + note;
        update(done);
    }

    /** {@code done} items (or bytes) done so far. */
    public void update(long done) {
        this.done = done;
        long now = System.nanoTime();
        if ((now - lastLogNanos) / 1_000_000 >= intervalMillis) {
            lastLogNanos = now;
            sink.accept(line(now));
        }
    }

    /** Reports the final line. */
    public void finish() {
        sink.accept(line(System.nanoTime()));
    }

    /** Reports the final line with the last count and note (so the last update need not log a line of its own). */
    public void finish(long done, String note) {
        this.done = done;
        this.note = note == null || note.isEmpty() ? "" : ", " + note;
        finish();
    }

    /** Seconds since this reporter was made (for a final throughput line). */
    public double seconds() {
        return Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    }

    /** "near_dedup: 12000/52000 items (23.1%) 4100/s ETA 10s" */
    public String line(long nowNanos) {
        double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        double rate = (done - startDone) / seconds;
        String eta = rate > 0 && total > done ? String.format(Locale.ROOT, " ETA %.0fs", (total - done) / rate) : "";
        double pct = total == 0 ? 100 : 100.0 * done / total;
        String r = String.format(Locale.ROOT, rate >= 10 ? "%.0f" : "%.2f", rate);
        if (total < 0) return String.format(Locale.ROOT, "%s: %d %s %s/s%s", what, done, unit, r, note);
        return String.format(Locale.ROOT, "%s: %d/%d %s (%.1f%%) %s/s%s%s", what, done, total, unit, pct, r, eta, note);
    }
}
