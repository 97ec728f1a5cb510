package io.walstream.replaysim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A line chart as a standalone SVG file, no plotting library: one polyline per series over a shared x axis
 * (replay lag over time per delay setting, real against simulated). Long series are thinned to the largest value
 * per pixel column, so spikes stay visible.
 */
public final class SvgLineChart {

    /** One line: its label and points (x, y), x ascending. */
    public record Series(String label, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("x and y differ in length");
            }
        }
    }

    private static final String[] COLOURS = {"#2b7bba", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e",
        "#a6761d", "#666666"};
    private static final int LEFT = 70;
    private static final int PLOT_WIDTH = 600;
    private static final int PLOT_HEIGHT = 260;
    private static final int TOP = 50;

    private SvgLineChart() {
    }

    public static void write(Path file, String title, String xUnit, String yUnit, List<Series> series) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, render(title, xUnit, yUnit, series));
    }

    public static String render(String title, String xUnit, String yUnit, List<Series> series) {
        double xMax = 0;
        double yMax = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                xMax = Math.max(xMax, s.x()[i]);
                yMax = Math.max(yMax, s.y()[i]);
            }
        }
        double xScale = PLOT_WIDTH / (xMax <= 0 ? 1 : xMax);
        double yScale = PLOT_HEIGHT / (yMax <= 0 ? 1 : yMax * 1.1);
        int legendTop = TOP + PLOT_HEIGHT + 40;
        int width = LEFT + PLOT_WIDTH + 30;
        int height = legendTop + series.size() * 18 + 10;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                SvgBarChart.escape(title)));
        int bottom = TOP + PLOT_HEIGHT;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#222\"/>%n",
                LEFT, bottom, LEFT + PLOT_WIDTH, bottom));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#222\"/>%n",
                LEFT, TOP, LEFT, bottom));
        for (int tick = 0; tick <= 4; tick++) {
            double yv = yMax * 1.1 * tick / 4;
            double py = bottom - yv * yScale;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6,
                    py + 4, number(yv)));
            double xv = xMax * tick / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    LEFT + xv * xScale, bottom + 16, number(xv)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n",
                LEFT + PLOT_WIDTH / 2, bottom + 32, SvgBarChart.escape(xUnit)));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" fill=\"#555\">%s</text>%n", TOP - 8, SvgBarChart.escape(yUnit)));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String colour = COLOURS[k % COLOURS.length];
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" points=\"",
                    colour));
            // the largest y per pixel column keeps a series of 100,000 points to a few hundred
            int column = Integer.MIN_VALUE;
            double columnMax = 0;
            for (int i = 0; i < s.x().length; i++) {
                int px = (int) (s.x()[i] * xScale);
                if (px != column && column != Integer.MIN_VALUE) {
                    point(svg, column, columnMax, yScale, bottom);
                    columnMax = 0;
                }
                column = px;
                columnMax = Math.max(columnMax, s.y()[i]);
            }
            if (column != Integer.MIN_VALUE) {
                point(svg, column, columnMax, yScale, bottom);
            }
            svg.append("\"/>\n");
            int ly = legendTop + k * 18;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"3\"/>%n", LEFT, ly - 4, LEFT + 24, ly - 4, colour));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 30, ly, SvgBarChart.escape(s.label())));
        }
        return svg.append("</svg>\n").toString();
    }

    private static void point(StringBuilder svg, int column, double y, double yScale, int bottom) {
        svg.append(String.format(Locale.ROOT, "%d,%.1f ", LEFT + column, bottom - y * yScale));
    }

    private static String number(double v) {
        return v >= 100 || v == 0 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
