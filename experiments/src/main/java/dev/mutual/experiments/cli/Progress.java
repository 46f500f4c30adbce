package dev.mutual.experiments.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs done/total, rate and ETA to stderr at most every two seconds (and at the end). */
final class Progress {
    private static final Logger log = LoggerFactory.getLogger(Progress.class);
    private final String task;
    private final int total;
    private final long start = System.nanoTime();
    private long lastLog = start;

    Progress(String task, int total) {
        this.task = task;
        this.total = total;
    }

    void update(int done) {
        long now = System.nanoTime();
        if (done < total && now - lastLog < 2_000_000_000L) return;
        lastLog = now;
        double s = (now - start) / 1e9, rate = done / Math.max(s, 1e-9);
        log.info("{}: {}/{} ({} /s, ETA {} s)", task, done, total, String.format("%.1f", rate),
                String.format("%.0f", (total - done) / Math.max(rate, 1e-9)));
    }

    double seconds() {
        return Math.max((System.nanoTime() - start) / 1e9, 1e-9);
    }
}
