package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.StandbyOptions;
import io.walstream.pgcluster.junit.PgClusterExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator's story: {@code walstream receive} archives a primary, and a hot standby whose only
 * WAL source is {@code restore_command = 'walstream restore %f %p -D DIR'} (the packaged jar) replays it.
 */
@ExtendWith(PgClusterExtension.class)
class ArchiveAndRestoreIT {

    @Test
    void aStandbyFedOnlyByWalstreamRestoreReplaysThePrimary(@TempDir Path tmp) throws Exception {
        // The server runs as another account: it must be able to read the jar and the archive.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = tmp.resolve("walstream.jar");
        Files.copy(Path.of("target", "walstream.jar"), jar, StandardCopyOption.REPLACE_EXISTING);
        Path archive = tmp.resolve("archive");
        Files.createDirectories(archive);
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rwxr-xr-x"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        try (PgCluster primary = PgCluster.builder().name("restore_primary").start()) {
            CommandLine receive = Walstream.commandLine();
            StringOutput err = new StringOutput();
            receive.setErr(err.writer());
            CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> receive.execute("receive",
                    "-D", archive.toString(), "-d", "host=127.0.0.1 sslmode=disable port=" + primary.port()
                            + " user=" + primary.superuser() + " password=" + primary.password()
                            + " application_name=walstream_archive",
                    "--slot", "archive_slot", "--create-slot", "--if-not-exists", "-s", "1"));
            awaitTrue(() -> primary.query("SELECT 1 FROM pg_stat_replication WHERE application_name = 'walstream_archive'"
                    + " AND state = 'streaming'").size() == 1, receiving);

            String restore = java + " -jar " + jar + " restore %f %p -D " + archive;
            try (PgCluster standby = primary.createStandby(StandbyOptions.restoreOnly("restore_standby", restore))) {
                primary.execute("CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 50000) g");
                String lsn = primary.switchWal();
                standby.waitForReplay(lsn, Duration.ofSeconds(120));

                assertThat(standby.isInRecovery()).isTrue();
                assertThat(standby.queryString("SELECT count(*)::text FROM orders")).isEqualTo("50000");
                assertThat(standby.queryString("SELECT md5(string_agg(note, ',' ORDER BY id)) FROM orders"))
                        .isEqualTo(primary.queryString("SELECT md5(string_agg(note, ',' ORDER BY id)) FROM orders"));
                assertThatThrownBy(() -> standby.execute("INSERT INTO orders VALUES (0, 'no')"))
                        .hasMessageContaining("read-only transaction");
            }
            stopReceive(receiving);
            assertThat(err.toString()).contains("stopped");
        }
    }

    @Test
    void restoreExitsOneForAFileTheArchiveDoesNotHave(@TempDir Path tmp) {
        int code = Walstream.commandLine().execute("restore", "000000010000000000000042", tmp.resolve("x").toString(),
                "-D", tmp.toString());
        assertThat(code).isEqualTo(1);
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    private static void stopReceive(CompletableFuture<Integer> receiving) throws Exception {
        // What Ctrl-C does through the shutdown hook.
        ReceiveCommand.stopAll();
        assertThat(receiving.get(60, TimeUnit.SECONDS)).isZero();
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, CompletableFuture<?> alive) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            if (alive.isDone()) {
                throw new AssertionError("receive ended early with exit code " + alive.get());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("condition not met in 60 s");
            }
            Thread.sleep(100);
        }
    }

    static final class StringOutput {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final PrintWriter writer = new PrintWriter(bytes, true);

        PrintWriter writer() {
            return writer;
        }

        @Override
        public String toString() {
            writer.flush();
            return bytes.toString();
        }
    }
}
