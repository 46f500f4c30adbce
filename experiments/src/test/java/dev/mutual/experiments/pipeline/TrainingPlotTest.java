package dev.mutual.experiments.pipeline;

import dev.mutual.trainer.train.TrainStep;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingPlotTest {

    @Test
    void drawsLongShortAndFlatRunsAsPngFiles(@TempDir Path dir) throws IOException {
        List<TrainStep> warmupCosine = new ArrayList<>();
        for (int s = 1; s <= 500; s++) {
            double lr = 3e-5 * Math.min(1, (s - 1) / 20.0) * (0.55 + 0.45 * Math.cos(Math.PI * s / 500));
            warmupCosine.add(new TrainStep(s, 6 * Math.exp(-s / 100.0) + 1, lr, 1, 100, 100, 0.1));
        }
        List<List<TrainStep>> runs = List.of(warmupCosine, List.of(new TrainStep(1, 2.0, 0.0, 1, 1, 1, 1)),
                List.of(new TrainStep(1, 2.0, 3e-4, 1, 1, 1, 1), new TrainStep(2, 2.0, 3e-4, 1, 1, 1, 1)));
        for (int i = 0; i < runs.size(); i++) {
            Path file = dir.resolve("run" + i + "/training.png");
            Files.createDirectories(file.getParent());
            TrainingPlot.write(file, "run " + i, runs.get(i));
            BufferedImage png = ImageIO.read(file.toFile());
            assertNotNull(png, file.toString());
            assertEquals(TrainingPlot.WIDTH, png.getWidth());
            assertEquals(TrainingPlot.HEIGHT, png.getHeight());
            try (var left = Files.list(file.getParent())) {
                assertEquals(List.of(file), left.toList(), "written atomically: no temporary file left");
            }
        }
        assertTrue(Files.size(dir.resolve("run0/training.png")) > 10_000);
        assertThrows(IllegalArgumentException.class, () -> TrainingPlot.png("empty", List.of()));
    }
}
