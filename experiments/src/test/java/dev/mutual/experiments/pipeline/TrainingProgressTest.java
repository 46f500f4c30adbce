package dev.mutual.experiments.pipeline;

import dev.mutual.trainer.train.TrainStep;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingProgressTest {

    @Test
    void showsStepsLossLrTokensPerSecondOnTheBarAndTheFinalLine() {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        try (TrainingProgress p = new TrainingProgress(lines::add, "train", 3,
                new PrintStream(terminal, true, StandardCharsets.UTF_8))) {
            p.step(new TrainStep(1, 6.25, 0.0, 1, 100, 100, 0.1));
            p.step(new TrainStep(2, 5.5, 3e-3, 1, 100, 100, 0.1));
            p.step(new TrainStep(3, 4.75, 1.5e-3, 1, 100, 100, 0.1));
            assertTrue(p.tokensPerSecond() > 0);
        }
        // With a bar the lines come once a minute: only the final one here.
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("train: 3/3 steps \\(100\\.0%\\) [0-9.]+/s, loss 4\\.7500, lr 1\\.50e-03, [0-9]+ tok/s"),
                lines.get(0));
        String bar = terminal.toString(StandardCharsets.UTF_8);
        assertTrue(bar.contains("train 100%") && bar.contains("3/3 steps") && bar.contains("loss 4.7500, lr 1.50e-03"), bar);
    }

    @Test
    void withoutATerminalOnlyLines() {
        List<String> lines = new ArrayList<>();
        try (TrainingProgress p = new TrainingProgress(lines::add, "sft", 10, null)) {
            p.step(new TrainStep(1, 6.25, 0.0, 1, 100, 100, 0.1));
        }
        assertEquals(1, lines.size(), "an interrupted run still reports where it stopped");
        assertTrue(lines.get(0).startsWith("sft: 1/10 steps (10.0%) "), lines.get(0));
    }
}
