package io.walstream.archiver;

import io.walstream.archiver.store.ArchiveDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.StandbyOptions;
import io.walstream.pgcluster.junit.Await;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link ArchiveReceiver} against real PostgreSQL 17 servers: every completed segment is the server's own. */
@ExtendWith(PgClusterExtension.class)
public class ArchiveReceiverIT {

    private static PgCluster primary;

    @BeforeAll
    static void startPrimary() {
        primary = PgCluster.builder().name("arch_primary").setting("wal_keep_size", "512MB").start();
        primary.execute("CREATE TABLE t (id int, payload text)");
    }

    @AfterAll
    static void stopPrimary() {
        primary.close();
    }

    public static ConnectionSettings settings(PgCluster pg, String extra) {
        return ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + pg.port() + " user="
                + pg.superuser() + " password=" + pg.password() + " " + extra, Map.of(), Map.of(),
                Path.of("/nonexistent"), "nobody");
    }

    public static ReceiveOptions options(PgCluster pg, String extra) {
        return ReceiveOptions.of(settings(pg, extra)).withStatusInterval(Duration.ofSeconds(1))
                .withLoop(false, Duration.ofSeconds(1));
    }

    public static void write(PgCluster pg, int rows) {
        pg.execute("INSERT INTO t SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, " + rows + ") g");
    }

    /** Every complete segment in {@code dir} is byte-identical to the server's; returns how many. */
    public static int assertSegmentsAreTheServers(PgCluster pg, Path dir) throws Exception {
        WalSegmentSize size = WalSegmentSize.ofBytes(pg.walSegmentSize());
        int compared = 0;
        for (WalFileName name : ArchiveDirectory.open(dir).segments(size)) {
            if (!name.partial()) {
                assertThat(Files.readAllBytes(dir.resolve(name.toString()))).as("segment %s", name)
                        .isEqualTo(pg.readWalFile(name.toString()));
                compared++;
            }
        }
        return compared;
    }

    @Test
    void receivesToAnEndPositionAndResumesWithoutGapOrDuplicate(@TempDir Path dir) throws Exception {
        write(primary, 1000);
        Lsn firstEnd = Lsn.parse(primary.currentWalLsn());
        ReceiveOptions first = options(primary, "application_name=first").withSlot("arch_resume", true, true)
                .withEndLsn(firstEnd);
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, first)) {
            assertThat(receiver.run()).isEqualTo(ArchiveReceiver.Outcome.END_POSITION_REACHED);
            assertThat(receiver.progress().durableLsn()).isGreaterThanOrEqualTo(firstEnd.value());
        }
        assertThat(dir.resolve(ArchiveDirectory.IDENTITY_FILE)).content()
                .contains("system_identifier=" + primary.systemIdentifier());

        write(primary, 60_000); // about 40 MB of WAL while nobody receives; the slot keeps it
        Lsn secondEnd = Lsn.parse(primary.switchWal());
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, first.withEndLsn(secondEnd))) {
            assertThat(receiver.run()).isEqualTo(ArchiveReceiver.Outcome.END_POSITION_REACHED);
        }
        WalSegmentSize size = WalSegmentSize.ofBytes(primary.walSegmentSize());
        List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size);
        long firstSegment = segments.get(0).segmentNumber();
        long lastComplete = secondEnd.segmentNumber(size) - 1;
        for (long seg = firstSegment; seg <= lastComplete; seg++) {
            assertThat(dir.resolve(WalFileName.of(1, seg, size).toString())).as("segment %d", seg).exists();
        }
        assertThat(assertSegmentsAreTheServers(primary, dir)).isGreaterThanOrEqualTo(2);
        assertThat(segments.stream().filter(WalFileName::partial)).allSatisfy(p ->
                assertThat(Files.size(dir.resolve(p.toString()))).isEqualTo(size.bytes()));
    }

    @Test
    void anArchiveOfAnotherClusterIsRefused(@TempDir Path dir) {
        try (PgCluster other = PgCluster.builder().name("arch_other").start()) {
            Lsn end = Lsn.parse(other.currentWalLsn());
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options(other, "").withEndLsn(end))) {
                receiver.run();
            }
        }
        Lsn end = Lsn.parse(primary.currentWalLsn());
        assertThatThrownBy(() -> {
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options(primary, "").withEndLsn(end))) {
                receiver.run();
            }
        }).isInstanceOf(ArchiveException.class).hasMessageContaining("holds WAL of database system")
                .hasMessageContaining(primary.systemIdentifier());
    }

    @Test
    void twoReceiversCannotShareADirectory(@TempDir Path dir) throws Exception {
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options(primary, "application_name=holder"))) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            awaitTrue(() -> receiver.progress().streaming());
            assertThatThrownBy(() -> new ArchiveReceiver(dir, options(primary, "")).run())
                    .isInstanceOf(ArchiveException.class).hasMessageContaining("another walstream receive");
            receiver.stop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
        }
    }

    @Test
    void flushReportedToTheServerNeverPassesWhatIsDurable(@TempDir Path dir) throws Exception {
        ReceiveOptions opts = options(primary, "application_name=honest_archive");
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            awaitTrue(() -> receiver.progress().streaming());
            for (int i = 0; i < 20; i++) {
                write(primary, 2000);
                for (List<String> row : primary.query("SELECT flush_lsn::text FROM pg_stat_replication"
                        + " WHERE application_name = 'honest_archive' AND flush_lsn IS NOT NULL")) {
                    assertThat(Lsn.parse(row.get(0)).value()).isLessThanOrEqualTo(receiver.progress().durableLsn());
                }
            }
            Lsn end = Lsn.parse(primary.currentWalLsn());
            // the interval policy makes it durable within about a second, and the server hears of it
            awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
            awaitTrue(() -> primary.query("SELECT flush_lsn::text FROM pg_stat_replication"
                    + " WHERE application_name = 'honest_archive' AND flush_lsn IS NOT NULL").stream()
                    .anyMatch(row -> Lsn.parse(row.get(0)).value() >= end.value()));
            assertThat(receiver.progress().verifiedLsn()).isGreaterThan(0);
            receiver.stop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
        }
    }

    @Test
    void asASynchronousStandbyCommitsWaitForIt(@TempDir Path dir) throws Exception {
        try (PgCluster pg = PgCluster.builder().name("arch_sync").start()) {
            pg.reload(Map.of("synchronous_standby_names", "walstream_sync"));
            ReceiveOptions opts = options(pg, "application_name=walstream_sync").withFsync(FsyncPolicy.synchronous());
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, opts)) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> pg.query("SELECT sync_state FROM pg_stat_replication"
                        + " WHERE application_name = 'walstream_sync'").equals(List.of(List.of("sync"))));
                long t0 = System.nanoTime();
                for (int i = 0; i < 50; i++) {
                    pg.execute("CREATE TABLE IF NOT EXISTS s (i int)", "INSERT INTO s VALUES (" + i + ")");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("50 synchronous commits")
                        .isLessThan(Duration.ofSeconds(30));
                Lsn committed = Lsn.parse(pg.currentWalLsn());
                assertThat(receiver.progress().durableLsn()).isGreaterThanOrEqualTo(committed.value() - 8192);
                receiver.stop();
                assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            }
        }
    }

    @Test
    void followsAPromotionOntoTheNewTimeline(@TempDir Path dir) throws Exception {
        try (PgCluster source = PgCluster.builder().name("arch_tl_primary").start();
                PgCluster standby = source.createStandby(StandbyOptions.streaming("arch_tl_standby"))) {
            source.execute("CREATE TABLE before_switch AS SELECT generate_series(1, 1000) AS g");
            standby.waitForReplay(source.currentWalLsn(), Duration.ofSeconds(60));
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options(standby, "application_name=tl"))) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                awaitTrue(() -> receiver.progress().streaming());
                standby.promote();
                awaitTrue(() -> receiver.progress().timeline() == 2);
                standby.execute("CREATE TABLE after_switch AS SELECT generate_series(1, 100000) AS g");
                Lsn end = Lsn.parse(standby.switchWal());
                awaitTrue(() -> receiver.progress().durableLsn() >= end.value());
                receiver.stop();
                assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            }
            assertThat(dir.resolve("00000002.history")).exists();
            WalSegmentSize size = WalSegmentSize.ofBytes(standby.walSegmentSize());
            List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size);
            assertThat(segments).anySatisfy(n -> {
                assertThat(n.timeline()).isEqualTo(1);
                assertThat(n.partial()).isTrue();
            });
            assertThat(segments.stream().filter(n -> n.timeline() == 2 && !n.partial())).isNotEmpty();
            assertThat(assertSegmentsAreTheServers(standby, dir)).isGreaterThanOrEqualTo(1);
        }
    }

    public static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        Await.until("condition", java.time.Duration.ofSeconds(60), condition);
    }
}
