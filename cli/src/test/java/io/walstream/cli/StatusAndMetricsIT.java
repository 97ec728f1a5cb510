package io.walstream.cli;

import static io.walstream.cli.ArchiveAndRestoreIT.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walstream receive --metrics-port} scraped over HTTP, and {@code walstream status -d --slot --json} beside it. */
@ExtendWith(PgClusterExtension.class)
class StatusAndMetricsIT {

    private final HttpClient http = HttpClient.newHttpClient();

    private double metric(int port, String name) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(body);
        assertThat(m.find()).as("%s in %s", name, body).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static String status(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute(args)).isZero();
        return out.toString();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": (\"[^\"]*\"|[^,\\n]+)").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return m.group(1).replace("\"", "");
    }

    @Test
    void statusWithAConnectionAndMetricsDuringAReceive(@TempDir Path tmp) throws Exception {
        Path archive = tmp.resolve("archive");
        int port = io.walstream.pgcluster.FreePort.loopback();
        try (PgCluster pg = PgCluster.builder().name("status_primary").start()) {
            String conninfo = "host=127.0.0.1 sslmode=disable port=" + pg.port() + " user=" + pg.superuser()
                    + " password=" + pg.password() + " application_name=walstream_status";
            CommandLine receive = Walstream.commandLine();
            receive.setErr(new PrintWriter(new StringWriter(), true));
            CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> receive.execute("receive",
                    "-D", archive.toString(), "-d", conninfo, "--slot", "status_slot", "--create-slot", "-s", "1",
                    "--metrics-port", Integer.toString(port), "--no-progress"));
            awaitTrue(() -> pg.query("SELECT 1 FROM pg_stat_replication WHERE application_name = 'walstream_status'"
                    + " AND state = 'streaming'").size() == 1, receiving);

            pg.execute("CREATE TABLE t AS SELECT g, md5(g::text) FROM generate_series(1, 100000) g");
            Lsn end = Lsn.parse(pg.switchWal());
            awaitTrue(() -> {
                try {
                    return metric(port, "walstream_flushed_lsn") >= end.value();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, receiving);
            assertThat(metric(port, "walstream_segments_completed_total")).isGreaterThanOrEqualTo(1);
            assertThat(metric(port, "walstream_fsync_duration_seconds_count")).isPositive();

            String running = status("status", "-D", archive.toString(), "-d", conninfo, "--slot", "status_slot",
                    "--json");
            assertThat(field(running, "receiverRunning")).isEqualTo("true");
            assertThat(field(running, "sameSystem")).isEqualTo("true");
            assertThat(Lsn.parse(field(running, "position"))).isGreaterThanOrEqualTo(end);
            assertThat(Lsn.parse(field(running, "walEnd"))).isGreaterThanOrEqualTo(end);
            assertThat(Long.parseLong(field(running, "lagBytes"))).isBetween(0L, 16L << 20);
            assertThat(field(running, "exists")).isEqualTo("true");
            assertThat(field(running, "type")).isEqualTo("physical");
            assertThat(field(running, "active")).isEqualTo("true");
            assertThat(field(running, "walStatus")).isEqualTo("reserved");
            assertThat(field(running, "catalogError")).isEqualTo("null");
            assertThat(Lsn.parse(field(running, "restartLsn"))).isLessThanOrEqualTo(Lsn.parse(field(running,
                    "position")));

            ReceiveCommand.stopAll();
            assertThat(receiving.get(60, TimeUnit.SECONDS)).isZero();
            String stopped = status("status", "-D", archive.toString(), "--json");
            assertThat(field(stopped, "receiverRunning")).isEqualTo("false");
            assertThat(field(stopped, "server")).isEqualTo("null");
            assertThat(Lsn.parse(field(stopped, "walEnd"))).isGreaterThanOrEqualTo(end);

            String missing = status("status", "-D", archive.toString(), "-d", conninfo, "--slot", "nope", "--json");
            assertThat(field(missing, "exists")).isEqualTo("false");
            String text = status("status", "-D", archive.toString(), "-d", conninfo, "--slot", "status_slot");
            assertThat(text).contains("server position:").contains("slot status_slot:").contains("physical, inactive")
                    .contains("wal_status reserved");
        }
    }
}
