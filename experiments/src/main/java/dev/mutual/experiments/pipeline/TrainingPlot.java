package dev.mutual.experiments.pipeline;

import dev.mutual.data.AtomicFile;
import dev.mutual.trainer.train.TrainStep;
import dev.mutual.trainer.train.Validation;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code training.png}: the loss per optimizer step (left axis), the validation loss when there is one (left axis)
 * and the learning rate (right axis) of one training run, drawn at the end from the same steps metrics.jsonl holds. Renders into an image, so it needs no display.
 */
final class TrainingPlot {
    static final int WIDTH = 900;
    static final int HEIGHT = 500;
    private static final Color LOSS = new Color(0x4C72B0);
    private static final Color LR = new Color(0xDD8452);
    private static final Color VALIDATION = new Color(0x55A868);

    private TrainingPlot() {}

    /** Writes the chart of {@code steps} to {@code file} atomically. */
    static void write(Path file, String title, List<TrainStep> steps) {
        write(file, title, steps, List.of());
    }

    /** The same with the validation losses as a third series on the loss axis. */
    static void write(Path file, String title, List<TrainStep> steps, List<Validation> validations) {
        AtomicFile.writeBytes(file, png(title, steps, validations));
    }

    static byte[] png(String title, List<TrainStep> steps) {
        return png(title, steps, List.of());
    }

    static byte[] png(String title, List<TrainStep> steps, List<Validation> validations) {
        if (steps.isEmpty()) throw new IllegalArgumentException("no steps to plot");
        double[] x = new double[steps.size()];
        double[] loss = new double[steps.size()];
        double[] lr = new double[steps.size()];
        double maxLr = 0;
        for (TrainStep s : steps) maxLr = Math.max(maxLr, s.learningRate());
        // xchart 3.8.8 draws no tick labels for an axis spanning only ~1e-5, so the rate is plotted in units of its
        // power of ten: 3e-5 shows as 3 on an axis titled "x 1e-5".
        int exponent = maxLr > 0 ? (int) Math.floor(Math.log10(maxLr)) : 0;
        double unit = Math.pow(10, exponent);
        for (int i = 0; i < x.length; i++) {
            x[i] = steps.get(i).step();
            loss[i] = steps.get(i).loss();
            lr[i] = steps.get(i).learningRate() / unit;
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("optimizer step").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.setYAxisGroupTitle(0, "loss");
        chart.setYAxisGroupTitle(1, exponent == 0 ? "learning rate" : "learning rate (x 1e" + exponent + ")");
        chart.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
        // One point is no line: show markers on short runs.
        boolean markers = steps.size() <= 30;
        series(chart, "loss", x, loss, LOSS, 0, markers);
        series(chart, "learning rate", x, lr, LR, 1, markers);
        if (!validations.isEmpty()) {
            double[] vx = new double[validations.size()];
            double[] vy = new double[validations.size()];
            for (int i = 0; i < vx.length; i++) {
                vx[i] = validations.get(i).step();
                vy[i] = validations.get(i).loss();
            }
            // Validations are few: always marked, so one validation still shows.
            series(chart, "validation loss", vx, vy, VALIDATION, 0, true);
        }
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the training chart", e);
        }
    }

    private static void series(XYChart chart, String name, double[] x, double[] y, Color color, int axis, boolean markers) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setYAxisGroup(axis);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }
}
