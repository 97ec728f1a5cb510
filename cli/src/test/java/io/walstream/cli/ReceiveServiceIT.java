package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit's ExecStart run as systemd would run it (connection from PG* variables as the EnvironmentFile sets
 * them, paths moved to a temporary directory), then stopped with its KillSignal: the exit status must be one the
 * unit counts as success, after the stop line on stderr.
 */
@ExtendWith(PgClusterExtension.class)
class ReceiveServiceIT {

    @Test
    void theUnitsCommandStreamsServesMetricsAndStopsCleanlyOnSigterm(@TempDir Path tmp) throws Exception {
        int metricsPort = io.walstream.pgcluster.FreePort.loopback();
        Path archive = tmp.resolve("archive");
        Path log = tmp.resolve("receive.log");
        List<String> command = new ArrayList<>();
        for (String word : SystemdUnit.execStart()) {
            switch (word) {
                case "/usr/bin/java" -> command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                case "$WALSTREAM_JAVA_OPTS" -> command.addAll(List.of(SystemdUnit.value("Environment")
                        .replaceFirst("^WALSTREAM_JAVA_OPTS=", "").split("\\s+")));
                case "/opt/walstream/walstream.jar" -> command.add(CrashHarness.jar().toString());
                case "/var/lib/walstream/archive" -> command.add(archive.toString());
                case "9187" -> command.add(Integer.toString(metricsPort));
                default -> command.add(word);
            }
        }
        try (PgCluster pg = PgCluster.builder().name("service_primary").start()) {
            pg.createReplicationUser("walstream", "secret");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            pb.environment().putAll(Map.of("PGHOST", "127.0.0.1", "PGPORT", Integer.toString(pg.port()),
                    "PGUSER", "walstream", "PGPASSWORD", "secret", "PGSSLMODE", "disable",
                    "PGAPPNAME", "walstream_service"));
            Process receive = pb.start();
            try {
                await(() -> pg.query("SELECT 1 FROM pg_stat_replication WHERE application_name = 'walstream_service'"
                        + " AND state = 'streaming'").size() == 1, receive, log);
                assertThat(pg.queryString("SELECT slot_type FROM pg_replication_slots WHERE slot_name = 'walstream'"))
                        .isEqualTo("physical");
                pg.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
                long end = io.walstream.protocol.Lsn.parse(pg.switchWal()).value();
                HttpClient http = HttpClient.newHttpClient();
                await(() -> metric(http, metricsPort, "walstream_flushed_lsn") >= end, receive, log);

                receive.destroy(); // SIGTERM, the unit's KillSignal
                assertThat(receive.waitFor(Long.parseLong(SystemdUnit.value("TimeoutStopSec")), TimeUnit.SECONDS))
                        .as("stopped within TimeoutStopSec").isTrue();
                assertThat(receive.exitValue()).as("a clean stop on SIGTERM is exit 0; log:%n%s", Files.readString(log))
                        .isZero();
                assertThat(Files.readString(log)).contains("walstream receive: stopped; durable up to");
            } finally {
                receive.destroyForcibly();
            }
        }
    }

    private static double metric(HttpClient http, int port, String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(body);
            return m.find() ? Double.parseDouble(m.group(1)) : -1;
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, Process p, Path log) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                throw new AssertionError((p.isAlive() ? "timed out" : "exited " + p.exitValue()) + "; log:\n"
                        + readQuietly(log));
            }
            Thread.sleep(100);
        }
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
