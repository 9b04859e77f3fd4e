package dev.offpool.benchmarks.workload.report;

import dev.offpool.benchmarks.workload.report.RunData.Percentile;
import dev.offpool.benchmarks.workload.report.RunData.Sample;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Locale;

/**
 * The study's plots, drawn by JFreeChart into JFreeSVG's {@link SVGGraphics2D}: memory over time, the latency
 * distribution, throughput by thread count, and bars of figures such as the real servers' ratios. Each method returns a whole SVG document. A peer keeps its colour in
 * every plot (its place in {@link PeerOrder}); offpool's peers are drawn thicker.
 */
final class Charts {
    static final int WIDTH = 960;
    static final int HEIGHT = 540;
    /** Bar charts grow with their categories: so many pixels per bar, a gap per category, and the title, axis, legend. */
    private static final int BAR_PIXELS = 8;
    private static final int CATEGORY_GAP_PIXELS = 10;
    private static final int CHART_MARGIN_PIXELS = 120;
    private static final double MIB = 1024.0 * 1024.0;
    private static final Color[] PALETTE = {
            new Color(0xd62728), new Color(0xff7f0e), new Color(0x8c564b), new Color(0xbcbd22),
            new Color(0x7f7f7f), new Color(0x17becf), new Color(0x1f77b4), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xe377c2), new Color(0x393b79), new Color(0x637939)};
    private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private Charts() {
    }

    /**
     * {@return memory over time: each run's off-heap RSS, and the live bytes of the first run as a dashed line}
     *
     * @param title the chart's title
     * @param runs  runs of one workload and thread count, in peer order
     */
    static String memory(String title, List<RunData> runs) {
        XYSeriesCollection dataset = new XYSeriesCollection();
        for (RunData run : runs) {
            XYSeries series = new XYSeries(run.peer(), false, true);
            for (Sample sample : run.samples()) {
                series.add(sample.elapsedMillis() / 1000.0, run.offHeapMiB(sample));
            }
            dataset.addSeries(series);
        }
        XYSeries live = new XYSeries("live bytes (" + runs.getFirst().peer() + " run)", false, true);
        for (Sample sample : runs.getFirst().samples()) {
            live.add(sample.elapsedMillis() / 1000.0, sample.liveBytes() / MIB);
        }
        dataset.addSeries(live);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "seconds since start",
                "off-heap RSS (RSS minus baseline), MiB", dataset, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = lines(runs);
        renderer.setSeriesPaint(runs.size(), Color.BLACK);
        renderer.setSeriesStroke(runs.size(), new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                10f, new float[] {6f, 4f}, 0f));
        plot.setRenderer(renderer);
        return svg(style(chart));
    }

    /**
     * {@return each run's allocation latency distribution: latency (log) against percentile, on the axis HdrHistogram
     * plots use (the distance to 100%, log), up to the last percentile below 100}
     *
     * @param title the chart's title
     * @param runs  runs of one workload and thread count, in peer order
     */
    static String latency(String title, List<RunData> runs) {
        XYSeriesCollection dataset = new XYSeriesCollection();
        for (RunData run : runs) {
            XYSeries series = new XYSeries(run.peer(), false, true);
            for (Percentile point : run.percentiles()) {
                if (point.percentile() < 100 && point.latencyNanos() > 0) {
                    series.add(100 / (100 - point.percentile()), point.latencyNanos());
                }
            }
            dataset.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "percentile", "allocation latency, ns", dataset,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis percentile = new LogAxis("percentile");
        percentile.setBase(10);
        percentile.setNumberFormatOverride(new PercentileFormat());
        percentile.setSmallestValue(1);
        percentile.setTickUnit(new NumberTickUnit(1));
        plot.setDomainAxis(percentile);
        LogAxis nanos = new LogAxis("allocation latency, ns");
        nanos.setBase(10);
        nanos.setNumberFormatOverride(new DecimalFormat("#,##0"));
        // Log axes count tick units in powers of the base: one tick per decade.
        nanos.setTickUnit(new NumberTickUnit(1));
        plot.setRangeAxis(nanos);
        plot.setRenderer(lines(runs));
        return svg(style(chart));
    }

    /**
     * {@return allocations per second by peer, one bar per thread count, peers down the side}
     *
     * @param title   the chart's title
     * @param figures the runs of one workload, in peer then thread order
     */
    static String throughput(String title, List<RunFigures> figures) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        for (RunFigures figure : figures) {
            int threads = figure.run().threads();
            dataset.addValue(figure.allocationsPerSecond() / 1e6, threads + (threads == 1 ? " thread" : " threads"),
                    figure.run().peer());
        }
        return svg(bars(title, "peer", "million allocations per second", dataset));
    }

    /**
     * {@return horizontal bars, one group per category (read across, as text), one bar per series}
     *
     * @param title      the chart's title
     * @param valueLabel the value axis's label
     * @param dataset    the values: rows are the series (up to three colours), columns the categories
     */
    static String bars(String title, String valueLabel, DefaultCategoryDataset dataset) {
        return svg(bars(title, null, valueLabel, dataset), barsHeight(dataset));
    }

    /**
     * {@return {@link #bars} of ratios, with a dashed line at 1 where the two sides are equal}
     *
     * @param title      the chart's title
     * @param valueLabel the value axis's label, saying which side is divided by which
     * @param dataset    the ratios: rows are the series (up to three colours), columns the categories
     */
    static String ratios(String title, String valueLabel, DefaultCategoryDataset dataset) {
        JFreeChart chart = bars(title, null, valueLabel, dataset);
        chart.getCategoryPlot().addRangeMarker(new ValueMarker(1, Color.BLACK, new BasicStroke(1.2f,
                BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)));
        return svg(chart, barsHeight(dataset));
    }

    private static JFreeChart bars(String title, String categoryLabel, String valueLabel,
                                   DefaultCategoryDataset dataset) {
        // Horizontal bars: the categories' names read across, as text, without rotation.
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, dataset,
                PlotOrientation.HORIZONTAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        BarRenderer bars = (BarRenderer) plot.getRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, new Color(0x1f77b4));
        bars.setSeriesPaint(1, new Color(0xff7f0e));
        bars.setSeriesPaint(2, new Color(0x2ca02c));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return style(chart);
    }

    private static XYLineAndShapeRenderer lines(List<RunData> runs) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < runs.size(); i++) {
            String peer = runs.get(i).peer();
            renderer.setSeriesPaint(i, PALETTE[PeerOrder.index(peer) % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(peer.startsWith("offpool") ? 2.5f : 1.2f));
        }
        return renderer;
    }

    private static JFreeChart style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(FONT.deriveFont(Font.BOLD, 15f));
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(FONT);
        }
        if (chart.getPlot() instanceof XYPlot plot) {
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
        return chart;
    }

    private static String svg(JFreeChart chart) {
        return svg(chart, HEIGHT);
    }

    private static String svg(JFreeChart chart, int height) {
        SVGGraphics2D graphics = new SVGGraphics2D(WIDTH, height);
        // A fixed prefix instead of the default time-based one: the same data gives the same file.
        graphics.setDefsKeyPrefix("offpool");
        chart.draw(graphics, new Rectangle(0, 0, WIDTH, height));
        return graphics.getSVGDocument();
    }

    /** {@return a height that leaves every bar a few pixels however many categories there are, at least HEIGHT} */
    private static int barsHeight(DefaultCategoryDataset dataset) {
        int pixelsPerCategory = BAR_PIXELS * dataset.getRowCount() + CATEGORY_GAP_PIXELS;
        return Math.max(HEIGHT, CHART_MARGIN_PIXELS + pixelsPerCategory * dataset.getColumnCount());
    }

    /** Labels the distance-to-100% axis as percentiles: 2 is "50%", 10 "90%", 1000 "99.9%". */
    private static final class PercentileFormat extends NumberFormat {
        @Override
        public StringBuffer format(double number, StringBuffer toAppendTo, FieldPosition pos) {
            double percentile = 100 - 100 / number;
            String text = String.format(Locale.ROOT, "%.4f", percentile).replaceAll("0+$", "").replaceAll("\\.$", "");
            return toAppendTo.append(text).append('%');
        }

        @Override
        public StringBuffer format(long number, StringBuffer toAppendTo, FieldPosition pos) {
            return format((double) number, toAppendTo, pos);
        }

        @Override
        public Number parse(String source, ParsePosition parsePosition) {
            throw new UnsupportedOperationException("labels only");
        }
    }
}
