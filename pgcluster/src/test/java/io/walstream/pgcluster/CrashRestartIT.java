package io.walstream.pgcluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.junit.PgClusterExtension;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PgClusterExtension.class)
class CrashRestartIT {

    @Test
    void crashKillsEveryProcessAndRestartRecoversCommittedRows() {
        try (PgCluster pg = PgCluster.builder().start()) {
            pg.execute("CREATE TABLE t (id int)", "INSERT INTO t SELECT generate_series(1, 500)");
            long postmaster = pg.postmasterPid();
            assertThat(pg.processes()).contains(postmaster).hasSizeGreaterThan(3);

            pg.crash();
            assertThat(pg.processes()).isEmpty();
            assertThat(ProcessTable.isAlive(postmaster)).isFalse();

            pg.start();
            assertThat(pg.postmasterPid()).isNotEqualTo(postmaster);
            assertThat(pg.queryString("SELECT count(*) FROM t")).isEqualTo("500");
            assertThat(pg.readLog()).contains("database system was interrupted");
        }
    }

    @Test
    void immediateStopNeedsRecoveryAndFastStopDoesNot() {
        try (PgCluster pg = PgCluster.builder().start()) {
            pg.execute("CREATE TABLE t AS SELECT 1 AS x");
            pg.stop(StopMode.IMMEDIATE);
            assertThat(pg.processes()).isEmpty();
            pg.start();
            assertThat(pg.readLog()).contains("automatic recovery in progress");
            pg.restart();
            assertThat(pg.queryString("SELECT x FROM t")).isEqualTo("1");
        }
    }

    @Test
    void reloadAppliesSettingsAndReportsThoseNeedingRestart() {
        try (PgCluster pg = PgCluster.builder().start()) {
            assertThat(pg.reload(Map.of("work_mem", "7MB"))).isEmpty();
            assertThat(pg.queryString("SHOW work_mem")).isEqualTo("7MB");

            assertThat(pg.reload(Map.of("max_wal_senders", "7"))).containsExactly("max_wal_senders");
            pg.restart();
            assertThat(pg.queryString("SHOW max_wal_senders")).isEqualTo("7");
        }
    }

    @Test
    void readsTheServersOwnWalBytes() {
        try (PgCluster pg = PgCluster.builder().start()) {
            pg.execute("CREATE TABLE t AS SELECT generate_series(1, 1000) AS x");
            String lsn = pg.currentWalLsn();
            String segment = pg.walFileName(lsn);
            byte[] wal = pg.readWalFile(segment);
            int segmentSize = pg.walSegmentSize();
            assertThat(wal).hasSize(segmentSize);

            // The first page header's xlp_pageaddr is the segment's own start LSN.
            long segno = Long.parseLong(segment.substring(8, 16), 16) * (0x1_0000_0000L / segmentSize)
                    + Long.parseLong(segment.substring(16), 16);
            long pageAddr = ByteBuffer.wrap(wal, 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(pageAddr).isEqualTo(segno * segmentSize);
            assertThat(List.of(segment)).allMatch(s -> s.startsWith("00000001"));
        }
    }
}
