package io.walstream.benchmarks;

import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.PgClusterException;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

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

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
