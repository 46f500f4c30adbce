package dev.mutual.experiments.pipeline;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A select stage's score histogram: the kept and the dropped candidates' values of one score as two outlined
 * histograms over the same bins, with the threshold (or the top-p% cutoff) as a vertical line. Drawn as XY outlines
 * rather than XChart category bars so the two overlap and the threshold sits at its true value. Renders into an
 * image, so it needs no display.
 */
final class SelectionHistogram {
    static final int WIDTH = 900;
    static final int HEIGHT = 500;
    static final int BINS = 30;
    static final Color KEPT = new Color(0x4C72B0);
    static final Color DROPPED = new Color(0xDD8452);
    static final Color THRESHOLD = new Color(0xC44E52);

    private SelectionHistogram() {}

    /**
     * @param marker      where to draw the threshold, or null for none
     * @param markerLabel its legend entry
     */
    static byte[] png(String title, String xLabel, List<Double> kept, List<Double> dropped, Double marker, String markerLabel) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (List<Double> values : List.of(kept, dropped)) {
            for (double v : values) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (marker != null) {
            lo = Math.min(lo, marker);
            hi = Math.max(hi, marker);
        }
        if (lo > hi) {  // no values at all: an empty axis around 0
            lo = -1;
            hi = 1;
        }
        if (hi - lo < 1e-9) {  // one value: give the single bin some width
            lo -= 0.5;
            hi += 0.5;
        }
        int[] keptCounts = counts(kept, lo, hi), droppedCounts = counts(dropped, lo, hi);
        int top = 1;
        for (int b = 0; b < BINS; b++) top = Math.max(top, Math.max(keptCounts[b], droppedCounts[b]));

        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle("candidates").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(top * 1.1);
        outline(chart, "kept (" + kept.size() + ")", keptCounts, lo, hi, KEPT);
        outline(chart, "dropped (" + dropped.size() + ")", droppedCounts, lo, hi, DROPPED);
        if (marker != null) {
            XYSeries s = chart.addSeries(markerLabel, new double[] {marker, marker}, new double[] {0, top * 1.1});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(THRESHOLD);
            s.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f));
        }
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the histogram '" + title + "'", e);
        }
    }

    /** Counts per bin of [lo, hi] in BINS equal bins; hi falls in the last. */
    static int[] counts(List<Double> values, double lo, double hi) {
        int[] c = new int[BINS];
        for (double v : values) c[Math.min(BINS - 1, (int) ((v - lo) / (hi - lo) * BINS))]++;
        return c;
    }

    /** The histogram as one outline: up and down each bin's edges, along its top. */
    private static void outline(XYChart chart, String name, int[] counts, double lo, double hi, Color color) {
        double width = (hi - lo) / BINS;
        double[] x = new double[2 * BINS + 2], y = new double[2 * BINS + 2];
        for (int b = 0; b < BINS; b++) {
            x[2 * b + 1] = lo + b * width;
            x[2 * b + 2] = lo + (b + 1) * width;
            y[2 * b + 1] = counts[b];
            y[2 * b + 2] = counts[b];
        }
        x[0] = lo;
        x[2 * BINS + 1] = hi;
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(new BasicStroke(2f));
    }
}
