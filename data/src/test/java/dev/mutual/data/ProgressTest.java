package dev.mutual.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {
    @Test
    void reportsDoneTotalPercentRateEtaAndNoteToItsSink() {
        List<String> lines = new ArrayList<>();
        // An hour between reports: only finish() reports here, whatever the machine's speed.
        Progress progress = new Progress(lines::add, "gsm8k", 8, "generated", 3_600_000);
        for (int i = 0; i < 3; i++) progress.step();
        progress.update(6, "running exact_match 0.5000");
        assertEquals(List.of(), lines);
        progress.finish();
        assertEquals(1, lines.size());
        String line = lines.get(0);
        assertTrue(line.startsWith("gsm8k: 6/8 generated (75.0%) "), line);
        assertTrue(line.matches("gsm8k: 6/8 generated \\(75\\.0%\\) [0-9.]+/s ETA [0-9]+s, running exact_match 0\\.5000"), line);

        progress.update(8, "");
        progress.finish();
        assertTrue(lines.get(1).matches("gsm8k: 8/8 generated \\(100\\.0%\\) [0-9.]+/s"), lines.get(1));
    }

    @Test
    void finishWithCountAndNoteReportsThemOnce() {
        List<String> lines = new ArrayList<>();
        Progress progress = new Progress(lines::add, "train", 30, "steps", 3_600_000);
        progress.update(29, "loss 4.9000");
        progress.finish(30, "loss 4.7358, lr 3.09e-04, 65 tok/s");
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).matches("train: 30/30 steps \\(100\\.0%\\) [0-9.]+/s, loss 4\\.7358, lr 3\\.09e-04, 65 tok/s"),
                lines.get(0));
    }

    /** A resumed job: the count starts at the resume point and the rate counts only this reporter's items. */
    @Test
    void startingAtCountsOnFromThereWithTheRateOfNewItemsOnly() {
        List<String> lines = new ArrayList<>();
        Progress progress = new Progress(lines::add, "train", 100, "steps", 3_600_000).startingAt(90);
        long start = System.nanoTime();
        progress.update(91);
        // 1 new step since start: the rate is at most 1 per elapsed second, never 91.
        String line = progress.line(start + 1_000_000_000L);
        assertTrue(line.startsWith("train: 91/100 steps (91.0%) "), line);
        double rate = Double.parseDouble(line.replaceAll(".*\\) ([0-9.]+)/s.*", "$1"));
        assertTrue(rate <= 1.0 + 1e-9, line);
    }

    /** A total below 0 is unknown: the count and rate only, no "/total", percentage or ETA. */
    @Test
    void anUnknownTotalShowsTheCountAlone() {
        List<String> lines = new ArrayList<>();
        Progress progress = new Progress(lines::add, "tokenize", -1, "documents", 3_600_000);
        progress.finish(152, "371170 tokens");
        assertTrue(lines.get(0).matches("tokenize: 152 documents [0-9.]+/s, 371170 tokens"), lines.get(0));
    }
}
