package dev.mutual.experiments.pipeline;

import dev.mutual.trainer.train.TrainStep;
import dev.mutual.trainer.train.Validation;
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

    /** Validation losses are a third series: its colour appears only when there are validations. */
    @Test
    void drawsValidationLossesAsTheirOwnSeries() throws IOException {
        List<TrainStep> steps = new ArrayList<>();
        for (int s = 1; s <= 20; s++) steps.add(new TrainStep(s, 5 - s * 0.1, 1e-3, 1, 10, 10, 0.1));
        List<Validation> validations = List.of(new Validation(10, 4.2, true, 10, 4.2, 0, false),
                new Validation(20, 3.4, true, 20, 3.4, 0, false));
        assertEquals(0, pixelsOf(TrainingPlot.png("no validation", steps), 0x55A868));
        assertTrue(pixelsOf(TrainingPlot.png("with validation", steps, validations), 0x55A868) > 50);
    }

    private static int pixelsOf(byte[] png, int rgb) throws IOException {
        BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(png));
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) n++;
        }
        return n;
    }
}
