package io.walstream.replaysim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SvgLineChartTest {

    @Test
    void drawsOneLinePerSeriesThinnedToTheLargestValuePerPixel() {
        int n = 100_000;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i / 1000.0;
            y[i] = i == 50_000 ? 900 : 10; // one spike among 100,000 points
        }
        String svg = SvgLineChart.render("lag <&>", "s", "ms", List.of(new SvgLineChart.Series("real", x, y),
                new SvgLineChart.Series("simulated", new double[] {0, 100}, new double[] {0, 5})));

        assertThat(svg).startsWith("<svg").endsWith("</svg>\n").contains("lag &lt;&amp;&gt;").contains(">real<")
                .contains(">simulated<");
        Matcher lines = Pattern.compile("<polyline[^>]*points=\"([^\"]*)\"").matcher(svg);
        assertThat(lines.find()).isTrue();
        String[] points = lines.group(1).trim().split(" ");
        assertThat(points.length).isBetween(500, 601); // one per pixel column of the 600-pixel plot
        double top = Double.MAX_VALUE;
        for (String p : points) {
            top = Math.min(top, Double.parseDouble(p.split(",")[1]));
        }
        assertThat(top).as("the spike survives the thinning").isLessThan(100);
        assertThat(lines.find()).isTrue();
        assertThat(lines.find()).isFalse();
    }
}
