package dev.mutual.data.prepare;

import dev.mutual.data.Example;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.mutual.data.prepare.MinHashTest.N;
import static dev.mutual.data.prepare.MinHashTest.keepFor;
import static dev.mutual.data.prepare.MinHashTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The near-dedup stage on constructed near-duplicates (see {@link MinHashTest} for how their Jaccard is set). */
class NearDedupTest {
    @Test
    void removesPairsWellAboveTheThresholdAndKeepsThoseWellBelow() {
        List<Example> in = new ArrayList<>();
        for (int doc = 0; doc < 20; doc++) {
            in.add(Example.unlabelled("base" + doc, text(doc, N, 0), null, "f", doc));
            in.add(Example.unlabelled("near" + doc, text(doc, keepFor(0.97), 1), null, "f", doc));  // J = 0.97
            in.add(Example.unlabelled("far" + doc, text(doc, keepFor(0.5), 2), null, "f", doc));    // J = 0.5 to base
        }
        NearDedup stage = new NearDedup(new PrepareConfig.NearDedup(true, 5, 128, 0.8, 1));
        Stage.Result r = stage.apply(in);
        assertEquals(40, r.kept().size());
        assertEquals(20, r.dropped().size());
        for (Stage.Dropped d : r.dropped()) {
            String doc = d.example().id().substring(4);
            assertEquals("near" + doc, d.example().id());
            assertTrue(d.detail().startsWith("of base" + doc + " (estimated Jaccard "), d.detail());
            double estimate = Double.parseDouble(d.detail().replaceAll(".*Jaccard ([0-9.]+)\\)", "$1"));
            assertEquals(0.97, estimate, 0.06, d.detail());
        }
        assertEquals("shingle_size=5 num_perm=128 threshold=0.8 seed=1 bands=9 rows=13", stage.settings());
    }

    @Test
    void itemsWithoutWordsAreKept() {
        List<Example> in = List.of(Example.unlabelled("a", "\uD83D\uDE00", null, "f", 1), Example.unlabelled("b", "\uD83D\uDE01!", null, "f", 2));
        Stage.Result r = new NearDedup(PrepareConfig.NearDedup.defaults()).apply(in);
        assertEquals(2, r.kept().size());
    }
}
