package io.walstream.replaysim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A horizontal bar chart as a standalone SVG file, no plotting library: one bar per series at its median,
 * a whisker from min to max, the value printed at the bar's end (benchmarks' and the simulator's charts).
 */
public final class SvgBarChart {

    /** One bar: the median, and the range of the counted rounds. */
    public record Bar(String label, double median, double min, double max) {
    }

    private static final int LABEL_WIDTH = 190;
    private static final int PLOT_WIDTH = 420;
    private static final int ROW = 26;
    private static final int TOP = 44;

    private SvgBarChart() {
    }

    public static void write(Path file, String title, String unit, List<Bar> bars) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, render(title, unit, bars));
    }

    public static String render(String title, String unit, List<Bar> bars) {
        double top = bars.stream().mapToDouble(b -> Double.isNaN(b.max()) ? b.median() : b.max()).max().orElse(1);
        double scale = PLOT_WIDTH / (top <= 0 ? 1 : top * 1.15);
        int height = TOP + bars.size() * ROW + 16;
        int width = LABEL_WIDTH + PLOT_WIDTH + 20;
        boolean highlight = bars.stream().anyMatch(b -> b.label().startsWith("walstream")); // else all alike
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"36\" fill=\"#555\">median of the counted rounds, "
                + "whisker min to max, %s</text>%n", escape(unit)));
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int y = TOP + i * ROW;
            String colour = b.label().startsWith("walstream") || !highlight ? "#2b7bba" : "#9aa5b1";
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    LABEL_WIDTH - 8, y + 15, escape(b.label())));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>%n",
                    LABEL_WIDTH, y + 2, b.median() * scale, colour));
            if (!Double.isNaN(b.min()) && !Double.isNaN(b.max()) && b.max() > b.min()) {
                double y0 = y + 11;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        + "stroke=\"#222\"/>%n", LABEL_WIDTH + b.min() * scale, y0, LABEL_WIDTH + b.max() * scale, y0));
            }
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n",
                    LABEL_WIDTH + Math.max(b.median(), Double.isNaN(b.max()) ? 0 : b.max()) * scale + 6, y + 15,
                    String.format(Locale.ROOT, "%.0f", b.median())));
        }
        return svg.append("</svg>\n").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
