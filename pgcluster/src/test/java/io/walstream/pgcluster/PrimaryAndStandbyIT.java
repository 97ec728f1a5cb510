package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.StandbyOptions.BackupMethod;
import io.walstream.pgcluster.junit.PgClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class PrimaryAndStandbyIT {

    private static final Duration REPLAY_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void standbyFromLowLevelBackupOfCentralBinariesSeesRowsAndPromotes() {
        try (PgCluster primary = PgCluster.builder().binaries(PgBinaries.resolve(17, List.of(PgBinaries.Source.CENTRAL)))
                .start()) {
            assertThat(primary.binaries().source()).isEqualTo(PgBinaries.Source.CENTRAL);
            assertThat(primary.binaries().has("pg_basebackup")).isFalse();
            primary.execute("CREATE TABLE t (id int PRIMARY KEY, note text)", "INSERT INTO t VALUES (1, 'before backup')");

            try (PgCluster standby = primary.createStandby(StandbyOptions.streaming("standby"))) {
                primary.execute("INSERT INTO t VALUES (2, 'after backup')");
                standby.waitForReplay(primary.currentWalLsn(), REPLAY_TIMEOUT);

                assertThat(standby.isInRecovery()).isTrue();
                assertThat(standby.query("SELECT id, note FROM t ORDER BY id"))
                        .containsExactly(List.of("1", "before backup"), List.of("2", "after backup"));
                assertThat(primary.queryString("SELECT application_name FROM pg_stat_replication"))
                        .isEqualTo("standby");
                assertThat(primary.queryString("SELECT active::text FROM pg_replication_slots WHERE slot_name = ?",
                        "standby_slot")).isEqualTo("true");
                assertThatThrownBy(() -> standby.execute("INSERT INTO t VALUES (3, 'refused')"))
                        .hasMessageContaining("read-only transaction");

                standby.promote();
                assertThat(standby.isInRecovery()).isFalse();
                standby.execute("INSERT INTO t VALUES (3, 'after promotion')");
                assertThat(standby.queryString("SELECT count(*) FROM t")).isEqualTo("3");
                assertThat(standby.walFileName(standby.currentWalLsn())).startsWith("00000002");
            }
        }
    }

    @Test
    void restoreOnlyStandbyReplaysFromRestoreCommand() throws Exception {
        try (PgCluster primary = PgCluster.builder().start()) {
            primary.execute("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g");
            Path archive = Files.createDirectories(primary.dataDir().getParent().resolve("archive"));
            // A cp-based archive from the primary's own pg_wal stands in for walstream here.
            try (PgCluster standby = primary.createStandby(StandbyOptions.restoreOnly("archived",
                    "cp " + archive + "/%f %p"))) {
                primary.execute("INSERT INTO t SELECT g FROM generate_series(1001, 2000) g");
                String lsn = primary.currentWalLsn();
                primary.switchWal();
                for (String segment : primary.query("SELECT name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'")
                        .stream().map(r -> r.get(0)).toList()) {
                    Files.write(archive.resolve(segment), primary.readWalFile(segment));
                }
                standby.waitForReplay(lsn, REPLAY_TIMEOUT);
                assertThat(standby.queryString("SELECT count(*) FROM t")).isEqualTo("2000");
                assertThat(standby.readLog()).contains("restored log file");
            }
        }
    }

    @Test
    @Tag("pg-client-tools")
    void standbyFromPgBasebackupOfLocalInstall() {
        // pg_basebackup is not among the Maven Central binaries; this path needs a full local install.
        Path pgBasebackup = PgBinaries.clientTool(15, "pg_basebackup");
        PgBinaries local = PgBinaries.resolve(15, List.of(PgBinaries.Source.LOCAL));
        assertThat(local.tool("pg_basebackup")).as("pg_basebackup beside the server it backs up")
                .isEqualTo(pgBasebackup);
        try (PgCluster primary = PgCluster.builder().binaries(local).auth(AuthMethod.MD5).start();
                PgCluster standby = primary.createStandby(StandbyOptions.streaming("bb")
                        .withBackupMethod(BackupMethod.PG_BASEBACKUP))) {
            primary.execute("CREATE TABLE t AS SELECT 42 AS answer");
            standby.waitForReplay(primary.currentWalLsn(), REPLAY_TIMEOUT);
            assertThat(standby.queryString("SELECT answer FROM t")).isEqualTo("42");
            assertThat(standby.isInRecovery()).isTrue();
        }
    }
}
