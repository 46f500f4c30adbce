package dev.mutual.data.prepare;

import dev.mutual.data.Example;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ExactDedupTest {
    @Test
    void caseAndWhitespaceDoNotMakeADifferentItem() {
        List<Example> in = List.of(
                Example.pair("a", "What is DNA?", "", "A molecule.", null, "f", 1),
                Example.pair("b", "what  is dna?", "", "a\nmolecule.", null, "f", 2),     // same after canonicalisation
                Example.pair("c", "What is DNA?", "", "A molecule!", null, "f", 3),       // punctuation differs: kept
                Example.unlabelled("d", "A molecule.", null, "f", 4),                     // no instruction: differs from a
                Example.unlabelled("e", "a MOLECULE.", "gold", "f", 5));                  // same as d (gold is not part of the key)
        Stage.Result r = new ExactDedup().apply(in);
        assertEquals(List.of("a", "c", "d"), r.kept().stream().map(Example::id).toList());
        assertEquals("same text as a", r.dropped().get(0).detail());
        assertEquals("same text as d", r.dropped().get(1).detail());
        assertEquals("exact duplicate", r.dropped().get(1).reason());
    }

    @Test
    void theFieldBoundaryIsPartOfTheKey() {
        assertNotEquals(ExactDedup.key(Example.pair("x", "ab", "", "c", null, "f", 1), ExactDedup.sha256()),
                ExactDedup.key(Example.pair("y", "a", "", "bc", null, "f", 1), ExactDedup.sha256()));
        // SHA-256 of "hello\0world" (checked with: printf 'hello\0world' | sha256sum)
        assertEquals("b206899bc103669c8e7b36de29d73f95b46795b508aa87d612b2ce84bfb29df2",
                ExactDedup.key(Example.pair("z", " Hello", "", "WORLD ", null, "f", 1), ExactDedup.sha256()));
    }
}
