package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.Await;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.jdbc.PgJdbcWalSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The pgjdbc source against a real PostgreSQL 17: same sink, same bytes, same honesty about flush. */
@ExtendWith(PgClusterExtension.class)
class PgJdbcWalSourceIT {

    private static PgCluster primary;

    @BeforeAll
    static void startPrimary() {
        primary = PgCluster.builder().name("pgjdbc_source").start();
    }

    @AfterAll
    static void stopPrimary() {
        primary.close();
    }

    private static PgJdbcWalSource open(String applicationName) {
        return PgJdbcWalSource.open(ConnectionSettings.resolve("host=127.0.0.1 port=" + primary.port()
                        + " user=" + primary.superuser() + " password=" + primary.password() + " sslmode=disable"
                        + " application_name=" + applicationName, Map.of(), Map.of(), Path.of("/nonexistent"), "x"),
                Duration.ofMillis(100));
    }

    /** Reports flush only at segment starts, like an archiver that fsyncs whole segments; remembers the most it said. */
    private static final class SegmentFlushSink implements WalSink {
        final MemorySink memory = new MemorySink();
        final long segmentBytes;
        final AtomicLong maxReportedFlush = new AtomicLong();
        volatile long minSendTime = Long.MAX_VALUE;
        volatile boolean headerConsistent = true;

        SegmentFlushSink(long segmentBytes) {
            this.segmentBytes = segmentBytes;
        }

        @Override
        public boolean onWal(XLogData data) {
            minSendTime = Math.min(minSendTime, data.sendTime());
            headerConsistent &= data.walEnd() >= data.dataEnd();
            return memory.onWal(data);
        }

        @Override
        public long writtenLsn() {
            return memory.writtenLsn();
        }

        @Override
        public long flushedLsn() {
            long flush = memory.writtenLsn() / segmentBytes * segmentBytes;
            maxReportedFlush.accumulateAndGet(flush, Math::max);
            return flush;
        }
    }

    @Test
    void sixteenMegabytesAndMoreAreTheServersSegmentsAndFlushNeverRunsAhead() throws Exception {
        WalSegmentSize segmentSize = WalSegmentSize.ofBytes(primary.walSegmentSize());
        try (PgJdbcWalSource source = open("jdbc_big")) {
            assertThat(source.server().port()).isEqualTo(primary.port());
            Lsn start = Lsn.parse(primary.currentWalLsn()).segmentStart(segmentSize);
            SegmentFlushSink sink = new SegmentFlushSink(segmentSize.bytes());
            CompletableFuture<StreamEnd> streaming = CompletableFuture.supplyAsync(() -> source.stream(null, start, sink));

            primary.execute("CREATE TABLE big (id int, payload text)",
                    "INSERT INTO big SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 25000) g");
            Lsn end = Lsn.parse(primary.switchWal());
            long deadline = System.currentTimeMillis() + 120_000;
            int samples = 0;
            while (sink.memory.written < end.value() || samples < 5) {
                assertThat(System.currentTimeMillis()).as("received only up to %s", new Lsn(sink.memory.written))
                        .isLessThan(deadline);
                String flush = primary.queryString("SELECT coalesce(flush_lsn, '0/0')::text FROM pg_stat_replication"
                        + " WHERE application_name = 'jdbc_big'");
                if (flush != null) {
                    samples++;
                    assertThat(Lsn.parse(flush).value()).as("flush_lsn the server saw")
                            .isLessThanOrEqualTo(sink.maxReportedFlush.get());
                }
                Thread.sleep(20);
            }
            // what the sink reported reaches the server within a status interval or two
            long lastSegmentStart = end.value() / segmentSize.bytes() * segmentSize.bytes();
            assertThat(sink.flushedLsn()).isGreaterThanOrEqualTo(lastSegmentStart);
            awaitTrue(() -> Lsn.parse(primary.queryString("SELECT flush_lsn::text FROM pg_stat_replication"
                    + " WHERE application_name = 'jdbc_big'")).value() == sink.flushedLsn());
            source.stop();
            assertThat(streaming.get(30, TimeUnit.SECONDS)).isInstanceOf(StreamEnd.StoppedByClient.class);

            long compared = 0;
            for (long seg = start.value(); seg + segmentSize.bytes() <= end.value(); seg += segmentSize.bytes()) {
                String name = WalFileName.of(1, new Lsn(seg), segmentSize).toString();
                assertThat(sink.memory.range(seg, segmentSize.bytes())).as("segment %s", name)
                        .isEqualTo(primary.readWalFile(name));
                compared += segmentSize.bytes();
            }
            assertThat(compared).isGreaterThanOrEqualTo(16L << 20);
            assertThat(sink.minSendTime).as("sendTime read from the XLogData header").isPositive();
            assertThat(sink.headerConsistent).as("walEnd >= end of data").isTrue();
        }
    }

    @Test
    void aFullSinkPausesReadingAndKeepsTheConnectionAlive() throws Exception {
        try (PgCluster pg = PgCluster.builder().name("jdbc_slow").setting("wal_sender_timeout", "1s").start();
                PgJdbcWalSource source = PgJdbcWalSource.open(ConnectionSettings.resolve("host=127.0.0.1 port="
                        + pg.port() + " user=" + pg.superuser() + " password=" + pg.password() + " sslmode=disable",
                        Map.of(), Map.of(), Path.of("/nonexistent"), "x"), Duration.ofMillis(200))) {
            Lsn start = Lsn.parse(pg.currentWalLsn());
            MemorySink sink = new MemorySink();
            sink.acceptBeforeFull = 1;
            CompletableFuture<StreamEnd> streaming = CompletableFuture.supplyAsync(() -> source.stream(null, start, sink));
            pg.execute("CREATE TABLE slow AS SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g");
            Lsn end = Lsn.parse(pg.currentWalLsn());
            Thread.sleep(4000); // four times wal_sender_timeout without reading
            assertThat(sink.written).isLessThan(end.value());
            assertThat(streaming).isNotDone();

            sink.acceptBeforeFull = Integer.MAX_VALUE;
            source.resumeReading();
            sink.awaitWritten(end.value(), 30_000);
            assertThat(pg.readLog()).doesNotContain("replication timeout");
            source.stop();
            assertThat(streaming.get(30, TimeUnit.SECONDS)).isInstanceOf(StreamEnd.StoppedByClient.class);
        }
    }

    @Test
    void aMissingSlotIsTheSameTypedServerError() {
        try (PgJdbcWalSource source = open("jdbc_slot")) {
            assertThatThrownBy(() -> source.stream("no_such_slot", Lsn.parse(primary.currentWalLsn()), new MemorySink()))
                    .isInstanceOf(PgServerException.class)
                    .hasMessageContaining("replication slot \"no_such_slot\" does not exist")
                    .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("42704"));
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Await.until("condition", java.time.Duration.ofSeconds(30), condition);
    }
}
