package dev.mutual.trainer.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one visibility rule, by hand, and its three readings (per key, as a run, as an additive mask) agree. */
class VisibilityTest {

    @Test
    void causalSegmentsAndWindowByHand() {
        assertTrue(Visibility.visible(5, 5, 0, 0, 0));
        assertTrue(Visibility.visible(5, 0, 0, 0, 0));
        assertFalse(Visibility.visible(5, 6, 0, 0, 0), "no key after the query");
        assertFalse(Visibility.visible(5, 4, 1, 0, 0), "no key of another packed example");
        // window 3: position 5 sees 3, 4, 5 (transformers: kv_idx > q_idx - W)
        assertTrue(Visibility.visible(5, 3, 0, 0, 3));
        assertFalse(Visibility.visible(5, 2, 0, 0, 3));
        assertEquals(3, Visibility.firstVisible(5, 3));
        assertEquals(0, Visibility.firstVisible(1, 3));
        assertEquals(0, Visibility.firstVisible(100, 0));
    }

    @Test
    void runAndMaskAgreeWithThePerKeyRule() {
        for (int window : new int[] {0, 1, 3, 7, 100}) {
            double[][] mask = Visibility.additiveMask(2, 9, window, -1e9);
            for (int g = 0; g < 2; g++) {
                for (int t = 0; t < 9; t++) {
                    for (int j = 0; j < 9; j++) {
                        boolean v = Visibility.visible(t, j, 0, 0, window);
                        assertEquals(v, j >= Visibility.firstVisible(t, window) && j <= t, "window " + window + " t " + t + " j " + j);
                        assertEquals(v ? 0 : -1e9, mask[g * 9 + t][j]);
                    }
                }
            }
        }
    }
}
