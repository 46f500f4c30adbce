package dev.mutual.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Values worked by hand from HF transformers' get_cosine_with_min_lr_schedule_with_warmup,
 * get_linear_schedule_with_warmup and get_constant_schedule_with_warmup (0-based LambdaLR step).
 */
class LrScheduleTest {

    @Test
    void cosineWarmsUpLinearlyThenDecaysToTheFloor() {
        LrSchedule s = LrSchedule.cosine(10, 110, 0.1);
        assertEquals(0.0, s.factor(0), 1e-15, "first update runs at lr 0, as HF's LambdaLR");
        assertEquals(0.5, s.factor(5), 1e-15, "5 / 10");
        assertEquals(1.0, s.factor(10), 1e-15, "peak right after warmup");
        // progress 0.25: 0.5 (1 + cos(pi/4)) = 0.8535533906; 0.1 + 0.9 * that = 0.8681980515
        assertEquals(0.8681980515, s.factor(35), 1e-10);
        // progress 0.5: cos(pi/2) = 0, so 0.1 + 0.9 * 0.5
        assertEquals(0.55, s.factor(60), 1e-12);
        assertEquals(0.1, s.factor(110), 1e-12, "floor at the last step");
        assertEquals(0.1, s.factor(150), 1e-12, "held at the floor past the end");
        assertEquals(3e-4 * 0.55, s.learningRate(60, 3e-4), 1e-18);
    }

    @Test
    void cosineWithoutFloorIsTorchsPlainCosine() {
        LrSchedule s = LrSchedule.cosine(0, 100, 0);
        assertEquals(1.0, s.factor(0), 1e-15);
        assertEquals(0.8535533906, s.factor(25), 1e-10);
        assertEquals(0.0, s.factor(100), 1e-15);
    }

    @Test
    void linearDecaysToZero() {
        LrSchedule s = LrSchedule.linear(10, 110);
        assertEquals(0.3, s.factor(3), 1e-15);
        assertEquals(1.0, s.factor(10), 1e-15);
        assertEquals(0.5, s.factor(60), 1e-15, "(110 - 60) / 100");
        assertEquals(0.01, s.factor(109), 1e-15);
        assertEquals(0.0, s.factor(110), 1e-15);
        assertEquals(0.0, s.factor(130), 1e-15, "clamped at 0, not negative");
    }

    @Test
    void constantAfterWarmup() {
        LrSchedule s = LrSchedule.constant(4, 10);
        assertEquals(0.5, s.factor(2), 1e-15);
        assertEquals(1.0, s.factor(4), 1e-15);
        assertEquals(1.0, s.factor(9), 1e-15);
        assertEquals(1.0, LrSchedule.constant(0, 10).factor(0), 1e-15, "no warmup: full lr from the first step");
    }

    @Test
    void rejectsBadSettingsNamingTheKey() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(100, 100, 0))
                .getMessage().contains("warmup_steps (100)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(-1, 100, 0))
                .getMessage().contains("warmup_steps must be >= 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0, 100, 1.5))
                .getMessage().contains("min_lr_ratio"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new LrSchedule(LrSchedule.Shape.LINEAR, 0, 100, 0.1)).getMessage().contains("cosine"));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.linear(0, 10).factor(-1));
    }
}
