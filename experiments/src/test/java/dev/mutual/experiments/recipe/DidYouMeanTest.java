package dev.mutual.experiments.recipe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DidYouMeanTest {

    @Test
    void distanceCountsEditsAndAdjacentSwaps() {
        // Worked by hand: one deletion; one swap; kitten -> sitting is the textbook 3; "ca" -> "abc" is 3 for
        // this restricted (optimal string alignment) distance, against 2 for unrestricted Damerau-Levenshtein.
        assertEquals(1, DidYouMean.distance("formt", "format"));
        assertEquals(1, DidYouMean.distance("min_chras", "min_chars"));
        assertEquals(3, DidYouMean.distance("kitten", "sitting"));
        assertEquals(3, DidYouMean.distance("ca", "abc"));
        assertEquals(0, DidYouMean.distance("seed", "seed"));
        assertEquals(4, DidYouMean.distance("", "seed"));
    }

    @Test
    void suggestsOnlyPlausibleTypos() {
        List<String> keys = List.of("name", "seed", "paths", "stages");
        assertEquals("; did you mean 'stages'?", DidYouMean.hint("stagse", keys));
        assertEquals("; did you mean 'seed'?", DidYouMean.hint("Seed", keys));
        assertEquals("", DidYouMean.hint("colour", keys));
        assertEquals("", DidYouMean.hint("d", List.of("a", "b")));
    }
}
