package io.walstream.cli;

import static io.walstream.cli.ArchiveAndRestoreIT.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.verify.ArchiveVerifier;
import io.walstream.archiver.verify.VerifyReport;
import io.walstream.pgcluster.FreePort;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.StandbyOptions;
import io.walstream.pgcluster.TlsFiles;
import io.walstream.pgcluster.junit.PgClusterExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The way back without a JVM per segment: two hot standbys whose only WAL source is {@code walstream serve} through
 * {@code restore_command = curl}, from a zstd-compressed archive, one over plain HTTP from {@code receive --serve},
 * one over TLS (verify-full, the test CA) with a bearer token from {@code walstream serve}; then a failover, and the
 * second standby follows the new timeline through the served history file.
 */
@ExtendWith(PgClusterExtension.class)
class ServeStandbyIT {

    private static final String CHECKSUM = "SELECT md5(string_agg(note, ',' ORDER BY id)) FROM orders";
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void standbysFedOnlyByServeReplayAcrossATimelineSwitch(@TempDir Path tmp) throws Exception {
        String curl = Curl.path();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path archive = tmp.resolve("archive");
        Files.createDirectories(archive);
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tokenFile = Files.writeString(tmp.resolve("token"), "t0ken-" + System.nanoTime() + "\n");
        // The standby's copy of the token, as a curl header file (-H @FILE), so it never shows in ps.
        Path header = Files.writeString(tmp.resolve("auth-header"),
                "Authorization: Bearer " + Files.readString(tokenFile).strip() + "\n");
        int receivePort = FreePort.loopback();
        int servePort = FreePort.loopback();

        try (PgCluster primary = PgCluster.builder().name("serve_primary").tls(true)
                .setting("wal_retrieve_retry_interval", "1s").start()) {
            TlsFiles tls = primary.tls();
            CompletableFuture<Integer> receiving = receive(archive, primary, receivePort);
            CompletableFuture<Integer> serving = CompletableFuture.supplyAsync(() -> Walstream.commandLine().execute(
                    "serve", "-D", archive.toString(), "--listen", "127.0.0.1:" + servePort,
                    "--tls-cert", tls.serverCert().toString(), "--tls-key", tls.serverKey().toString(),
                    "--token-file", tokenFile.toString()));

            String plainRestore = curl + " -fsS -o %p http://127.0.0.1:" + receivePort + "/wal/%f";
            String tlsRestore = curl + " -fsS --cacert " + tls.rootCert() + " -H @" + header + " -o %p https://localhost:"
                    + servePort + "/wal/%f";
            try (PgCluster plainStandby = primary.createStandby(StandbyOptions.restoreOnly("serve_plain", plainRestore));
                    PgCluster tlsStandby = primary.createStandby(StandbyOptions.restoreOnly("serve_tls", tlsRestore))) {
                primary.execute("CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 200000) g");
                String lsn = primary.switchWal();
                plainStandby.waitForReplay(lsn, WAIT);
                tlsStandby.waitForReplay(lsn, WAIT);
                String sum = primary.queryString(CHECKSUM);
                assertThat(plainStandby.queryString(CHECKSUM)).isEqualTo(sum);
                assertThat(tlsStandby.queryString(CHECKSUM)).isEqualTo(sum);
                assertThat(compressedSegments(archive)).as("the standbys read zstd segments").isPositive();

                // Failover: the plain standby becomes the primary on timeline 2; walstream follows it, and the TLS
                // standby finds 00000002.history through serve and follows too.
                ReceiveCommand.stopAll();
                assertThat(receiving.get(60, TimeUnit.SECONDS)).isZero();
                primary.stop();
                plainStandby.promote();
                CompletableFuture<Integer> following = receive(archive, plainStandby, FreePort.loopback());
                awaitTrue(() -> Files.exists(archive.resolve("00000002.history")), following);
                plainStandby.execute("INSERT INTO orders SELECT g, 'after failover' FROM generate_series(200001, 210000) g");
                String end = plainStandby.switchWal();
                awaitTrue(() -> segmentsOn(archive, "00000002") > 0, following);
                tlsStandby.waitForReplay(end, WAIT);
                // rows written only on timeline 2
                assertThat(tlsStandby.queryString("SELECT count(*)::text FROM orders")).isEqualTo("210000");
                assertThat(tlsStandby.queryString(CHECKSUM)).isEqualTo(plainStandby.queryString(CHECKSUM));
                ReceiveCommand.stopAll();
                assertThat(following.get(60, TimeUnit.SECONDS)).isZero();
            } finally {
                ServeCommand.stopAll();
            }
            assertThat(serving.get(30, TimeUnit.SECONDS)).isZero();
        }
        VerifyReport report = ArchiveVerifier.verify(archive);
        assertThat(report.findings()).filteredOn(f -> f.severity() == VerifyReport.Severity.ERROR).isEmpty();
    }

    private static CompletableFuture<Integer> receive(Path archive, PgCluster server, int servePort) throws Exception {
        CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> Walstream.commandLine().execute(
                "receive", "-D", archive.toString(), "-d", "host=127.0.0.1 sslmode=disable port=" + server.port()
                        + " user=" + server.superuser() + " password=" + server.password()
                        + " application_name=walstream_serve",
                "--slot", "serve_slot", "--create-slot", "--if-not-exists", "-s", "1", "--compress", "zstd",
                "--no-progress", "--serve", "127.0.0.1:" + servePort));
        awaitTrue(() -> server.query("SELECT 1 FROM pg_stat_replication WHERE application_name = 'walstream_serve'"
                + " AND state = 'streaming'").size() == 1, receiving);
        return receiving;
    }

    private static long compressedSegments(Path archive) throws IOException {
        try (Stream<Path> files = Files.list(archive)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".zst")).count();
        }
    }

    private static long segmentsOn(Path archive, String timeline) {
        try (Stream<Path> files = Files.list(archive)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(timeline) && n.length() > 24 && !n.endsWith(".partial")).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
