package io.walstream.benchmarks;

import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.PgClusterException;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** What the end-to-end benchmarks share: connecting to the embedded primary, finding tools, statistics. */
public final class Benchmarks {

    private Benchmarks() {
    }

    /** Replication connection settings for {@code pg}'s superuser over loopback TCP, without TLS. */
    public static ConnectionSettings settings(PgCluster pg, String applicationName) {
        return ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + pg.port() + " user="
                + pg.superuser() + " password=" + pg.password() + " application_name=" + applicationName,
                Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
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

    /** Removes {@code dir} and everything under it, if it exists. */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
