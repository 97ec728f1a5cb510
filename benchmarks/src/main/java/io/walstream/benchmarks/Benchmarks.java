package io.walstream.benchmarks;

import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.PgClusterException;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** What the end-to-end benchmarks share: finding tools, statistics. */
public final class Benchmarks {

    private Benchmarks() {
    }

    /** A tool from the local install of {@code major} ({@code PG_BIN} or /usr/lib/postgresql/N/bin), or null. */
    static Path localTool(int major, String tool, PrintWriter out) {
        try {
            return PgBinaries.clientTool(major, tool);
        } catch (PgClusterException e) {
            out.println("running without " + tool + ": " + e.getMessage());
            return null;
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /**
     * Prints, for each candidate of {@code perRound} (name to its value in each counted round) that {@code compared}
     * accepts, its ratio to {@code baselineName}'s within each round, the median first. Rounds run every candidate
     * one after the other, so a ratio within a round is less exposed than the ratio of the medians to the shared
     * machine's drift from minute to minute.
     */
    static void perRoundRatios(PrintWriter out, String baselineName, Map<String, List<Double>> perRound,
            Predicate<String> compared) {
        List<Double> baseline = perRound.get(baselineName);
        if (baseline == null || perRound.keySet().stream().noneMatch(compared)) {
            return;
        }
        out.println("per round, to " + baselineName + " (the median, then each round's):");
        perRound.forEach((name, values) -> {
            if (!compared.test(name)) {
                return;
            }
            int rounds = Math.min(values.size(), baseline.size());
            List<Double> ratios = new ArrayList<>(rounds);
            for (int i = 0; i < rounds; i++) {
                ratios.add(values.get(i) / baseline.get(i));
            }
            if (!ratios.isEmpty()) {
                out.printf(Locale.ROOT, "%-20s %5.2f   (%s)%n", name, median(ratios), String.join(", ",
                        ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList()));
            }
        });
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
