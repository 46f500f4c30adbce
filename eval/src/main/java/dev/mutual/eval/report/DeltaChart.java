package dev.mutual.eval.report;

import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A PNG bar chart of one benchmark's primary-metric deltas against the baseline, one bar per run, with the
 * paired bootstrap interval as an error bar. XChart's category error bars are symmetric and a percentile
 * interval need not be, so the chart is an XY plot whose bars are wide butt-capped line segments and whose
 * error bars are thin segments with caps. Renders into an image, so it needs no display.
 */
public final class DeltaChart {
    static final int WIDTH = 800;
    static final int HEIGHT = 500;
    private static final Color BAR = new Color(0x4C72B0);
    private static final Color WHISKER = new Color(0x222222);

    private DeltaChart() {}

    /** PNG bytes of the chart; rows are the primary-metric rows of one benchmark. */
    public static byte[] png(String benchmark, String metric, String baseline, List<MetricComparison> rows) {
        return png(benchmark, metric, baseline, rows, "95% paired bootstrap CI");
    }

    /** As {@link #png(String, String, String, List)}, naming the interval in the title (e.g. how it was resampled). */
    public static byte[] png(String benchmark, String metric, String baseline, List<MetricComparison> rows, String interval) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(benchmark + ": " + metric + ", delta vs " + baseline + " (" + interval + ")")
                .xAxisTitle("run").yAxisTitle("delta " + metric).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisMin(-0.5);
        chart.getStyler().setXAxisMax(rows.size() - 0.5);
        chart.getStyler().setXAxisTicksVisible(false); // runs are labelled under their bars instead
        chart.getStyler().setAnnotationTextFontColor(Color.BLACK);
        double lo = 0, hi = 0;
        float barWidth = Math.min(80f, 0.5f * (WIDTH - 120) / Math.max(1, rows.size()));
        for (int i = 0; i < rows.size(); i++) {
            MetricComparison row = rows.get(i);
            segment(chart, "bar " + i, new double[] {i, i}, new double[] {0, row.delta()}, BAR, barWidth);
            lo = Math.min(lo, row.delta());
            hi = Math.max(hi, row.delta());
            if (row.ci() != null) {
                double l = row.ci().low(), h = row.ci().high(), cap = 0.08;
                segment(chart, "ci " + i, new double[] {i, i}, new double[] {l, h}, WHISKER, 2f);
                segment(chart, "ci low " + i, new double[] {i - cap, i + cap}, new double[] {l, l}, WHISKER, 2f);
                segment(chart, "ci high " + i, new double[] {i - cap, i + cap}, new double[] {h, h}, WHISKER, 2f);
                lo = Math.min(lo, l);
                hi = Math.max(hi, h);
            }
        }
        segment(chart, "zero", new double[] {-0.5, rows.size() - 0.5}, new double[] {0, 0}, Color.GRAY, 1f);
        double pad = Math.max(1e-6, 0.1 * (hi - lo));
        chart.getStyler().setYAxisMin(lo - 2 * pad);
        for (int i = 0; i < rows.size(); i++) {
            chart.addAnnotation(new AnnotationText(rows.get(i).run(), i, lo - pad, false));
        }
        chart.getStyler().setYAxisMax(hi + pad);
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the chart of " + benchmark, e);
        }
    }

    private static void segment(XYChart chart, String name, double[] x, double[] y, Color color, float width) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
    }
}
