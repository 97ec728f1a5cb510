package io.walstream.walreceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.pgcluster.AuthMethod;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.Await;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgAuthenticationException;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.TimelineHistory;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.replication.CreatedSlot;
import io.walstream.protocol.replication.IdentifySystem;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client against a real PostgreSQL 17 primary (scram-sha-256 and TLS). */
@ExtendWith(PgClusterExtension.class)
class ReplicationConnectionIT {

    private static PgCluster primary;

    @BeforeAll
    static void startPrimary() {
        primary = PgCluster.builder().auth(AuthMethod.SCRAM_SHA_256).tls(true).start();
    }

    @AfterAll
    static void stopPrimary() {
        primary.close();
    }

    static ConnectionSettings settings(PgCluster pg, String extra) {
        return ConnectionSettings.resolve("host=127.0.0.1 port=" + pg.port() + " user=" + pg.superuser()
                + " password=" + pg.password() + " " + extra, Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
    }

    static ReplicationConnection open(PgCluster pg, String extra) {
        return ReplicationConnection.open(settings(pg, extra),
                ReplicationConnection.Options.defaults().withStatusInterval(Duration.ofMillis(100)));
    }

    @Test
    void identifySystemAndShowMatchTheServer() {
        try (ReplicationConnection c = open(primary, "sslmode=disable")) {
            assertThat(c.tls()).isEmpty();
            IdentifySystem id = c.identifySystem();
            assertThat(id.systemIdString()).isEqualTo(primary.systemIdentifier());
            assertThat(id.timeline()).isEqualTo(1);
            assertThat(id.xlogPos().value()).isPositive();
            assertThat(c.serverVersion().major()).isEqualTo(17);
            assertThat(c.show("wal_segment_size")).isEqualTo("16MB");
            assertThat(c.show("wal_level")).isEqualTo("replica");
        }
    }

    @Test
    void wrongPasswordIsAnAuthenticationErrorWithSqlState() {
        ConnectionSettings wrong = ConnectionSettings.resolve("host=127.0.0.1 port=" + primary.port()
                + " user=postgres password=wrong sslmode=disable", Map.of(), Map.of(), Path.of("/nonexistent"), "x");
        assertThatThrownBy(() -> ReplicationConnection.open(wrong))
                .isInstanceOf(PgAuthenticationException.class)
                .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("28P01"))
                .hasMessageNotContaining(primary.password());
    }

    @Test
    void scramOverVerifiedTlsWithChannelBinding() {
        String tls = "sslmode=verify-full sslrootcert=" + primary.tls().rootCert() + " channel_binding=require"
                + " application_name=bound";
        try (ReplicationConnection c = open(primary, tls)) {
            assertThat(c.identifySystem().timeline()).isEqualTo(1);
            assertThat(c.tls()).as("BoringSSL, so that no crypto waits for the JIT").hasValueSatisfying(
                    t -> assertThat(t).startsWith("TLSv1.").endsWith(", OpenSSL"));
            assertThat(primary.queryString("SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                    + " WHERE a.application_name = 'bound'")).isEqualTo("true");
        }
    }

    @Test
    void channelBindingRequiredRefusesPlainTcp() {
        assertThatThrownBy(() -> open(primary, "sslmode=disable channel_binding=require"))
                .isInstanceOf(ConnectionException.class)
                .hasMessageContaining("channel binding required");
    }

    @Test
    void verifyFullRefusesAnUnknownCa() {
        try (PgCluster other = PgCluster.builder().name("other_ca").tls(true).create()) {
            assertThatThrownBy(() -> open(primary, "sslmode=verify-full sslrootcert=" + other.tls().rootCert()))
                    .isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("TLS handshake");
        }
    }

    @Test
    void verifyFullRefusesAHostNameTheCertificateDoesNotName() {
        assertThatThrownBy(() -> open(primary, "host=wrong.example hostaddr=127.0.0.1 sslmode=verify-full sslrootcert="
                + primary.tls().rootCert()))
                .isInstanceOf(ConnectionException.class)
                .hasMessageContaining("TLS handshake")
                .hasMessageContaining("wrong.example");
    }

    @Test
    void sixtyFourMegabytesStreamedAreByteForByteTheServersSegments() throws Exception {
        try (ReplicationConnection c = open(primary, "sslmode=disable application_name=big")) {
            WalSegmentSize segmentSize = WalSegmentSize.ofBytes(primary.walSegmentSize());
            Lsn start = c.identifySystem().xlogPos().segmentStart(segmentSize);
            MemorySink sink = new MemorySink();
            ReplicationStream stream = c.startReplication(null, start, 1, sink);
            stream.started().get(30, TimeUnit.SECONDS);
            primary.execute("CREATE TABLE big (id int, payload text)",
                    "INSERT INTO big SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 75000) g");
            Lsn end = Lsn.parse(primary.switchWal());
            sink.awaitWritten(end.value(), 120_000);
            stream.stop();
            StreamEnds.await(stream);

            long compared = 0;
            for (long seg = start.value(); seg + segmentSize.bytes() <= end.value(); seg += segmentSize.bytes()) {
                String name = io.walstream.protocol.WalFileName.of(1, new Lsn(seg), segmentSize).toString();
                assertThat(sink.range(seg, segmentSize.bytes())).as("segment %s", name)
                        .isEqualTo(primary.readWalFile(name));
                compared += segmentSize.bytes();
            }
            assertThat(compared).isGreaterThanOrEqualTo(64L << 20);
        }
    }

    @Test
    void slotCommandsQuoteNamesAndReportState() {
        try (ReplicationConnection c = open(primary, "sslmode=disable")) {
            // PostgreSQL allows only [a-z0-9_] in slot names; a quoted odd name must reach its name check,
            // not fail to parse (42601), which shows the identifier is quoted correctly.
            assertThatThrownBy(() -> c.createPhysicalSlot("My\"Slot", false, true))
                    .isInstanceOf(PgServerException.class)
                    .hasMessageContaining("My\"Slot")
                    .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("42602"));
            String slot = "walstream_slot_1";
            CreatedSlot created = c.createPhysicalSlot(slot, false, true);
            assertThat(created.slotName()).isEqualTo(slot);
            assertThat(primary.queryString("SELECT restart_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = ?",
                    slot)).isEqualTo("t");
            assertThat(c.readReplicationSlot(slot)).hasValueSatisfying(info -> {
                assertThat(info.slotType()).isEqualTo("physical");
                assertThat(info.restartLsn().value()).isPositive();
            });
            assertThatThrownBy(() -> c.createPhysicalSlot(slot, false, true))
                    .isInstanceOf(PgServerException.class)
                    .satisfies(e -> assertThat(((PgServerException) e).sqlState()).isEqualTo("42710"));
            c.dropReplicationSlot(slot, false);
            assertThat(c.readReplicationSlot(slot)).isEmpty();
            // the connection is still usable after an error
            assertThat(c.identifySystem().timeline()).isEqualTo(1);
        }
    }

    @Test
    void streamedBytesAreTheServersOwnWal() throws Exception {
        try (ReplicationConnection c = open(primary, "sslmode=require")) {
            WalSegmentSize segmentSize = WalSegmentSize.ofBytes(primary.walSegmentSize());
            Lsn start = c.identifySystem().xlogPos().segmentStart(segmentSize);
            MemorySink sink = new MemorySink();
            ReplicationStream stream = c.startReplication(null, start, 1, sink);
            stream.started().get(30, TimeUnit.SECONDS);
            primary.execute("CREATE TABLE streamed AS SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
            Lsn end = Lsn.parse(primary.currentWalLsn());
            sink.awaitWritten(end.value(), 30_000);
            stream.stop();
            assertThat(StreamEnds.await(stream)).isInstanceOf(StreamEnd.StoppedByClient.class);

            String segment = io.walstream.protocol.WalFileName.of(1, start, segmentSize).toString();
            byte[] server = primary.readWalFile(segment);
            int length = (int) Math.min(end.value() - start.value(), server.length);
            assertThat(sink.range(start.value(), length))
                    .as("received WAL equals pg_wal/%s", segment)
                    .isEqualTo(java.util.Arrays.copyOf(server, length));
            // after CopyDone the connection takes commands again
            assertThat(c.identifySystem().timeline()).isEqualTo(1);
        }
    }

    @Test
    void statusUpdatesReportExactlyTheSinksPositions() throws Exception {
        try (ReplicationConnection c = open(primary, "sslmode=disable application_name=honest")) {
            c.createPhysicalSlot("honest", true, true);
            Lsn start = c.identifySystem().xlogPos();
            MemorySink sink = new MemorySink();
            sink.pinnedFlush = start.value();
            ReplicationStream stream = c.startReplication("honest", start, 1, sink);
            stream.started().get(30, TimeUnit.SECONDS);
            primary.execute("CREATE TABLE honest AS SELECT generate_series(1, 5000) AS g");
            Lsn end = Lsn.parse(primary.currentWalLsn());
            sink.awaitWritten(end.value(), 30_000);
            awaitTrue(() -> new Lsn(sink.written).toString().equals(primary.queryString(
                    "SELECT write_lsn::text FROM pg_stat_replication WHERE application_name = 'honest'")));
            assertThat(primary.queryString("SELECT state FROM pg_stat_replication WHERE application_name = 'honest'"))
                    .isEqualTo("streaming");
            assertThat(primary.queryString("SELECT flush_lsn::text FROM pg_stat_replication"
                    + " WHERE application_name = 'honest'")).isEqualTo(start.toString());
            assertThat(primary.queryString("SELECT restart_lsn::text FROM pg_replication_slots"
                    + " WHERE slot_name = 'honest'")).isEqualTo(start.toString());
            stream.stop();
            StreamEnds.await(stream);
        }
    }

    @Test
    void aSlowSinkPausesReadingWithoutHittingWalSenderTimeout() throws Exception {
        try (PgCluster pg = PgCluster.builder().name("slow").setting("wal_sender_timeout", "1s").start();
                ReplicationConnection c = open(pg, "sslmode=disable")) {
            Lsn start = c.identifySystem().xlogPos();
            MemorySink sink = new MemorySink();
            sink.acceptBeforeFull = 1; // full after the first message
            ReplicationStream stream = c.startReplication(null, start, 1, sink);
            stream.started().get(30, TimeUnit.SECONDS);
            pg.execute("CREATE TABLE slow AS SELECT g, repeat('x', 200) FROM generate_series(1, 100000) g");
            Lsn end = Lsn.parse(pg.currentWalLsn());
            Thread.sleep(4000); // four times wal_sender_timeout with the socket unread
            assertThat(sink.written).isLessThan(end.value());
            assertThat(stream.result()).isNotDone();

            sink.acceptBeforeFull = Integer.MAX_VALUE;
            stream.resumeReading();
            sink.awaitWritten(end.value(), 30_000);
            assertThat(pg.readLog()).doesNotContain("replication timeout");
            stream.stop();
            assertThat(StreamEnds.await(stream)).isInstanceOf(StreamEnd.StoppedByClient.class);
        }
    }

    @Test
    void theSharedIoThreadEndsWhenStoppedAndTheNextConnectionStartsAnother() throws Exception {
        try (ReplicationConnection c = open(primary, "sslmode=disable")) {
            c.identifySystem();
        }
        List<Thread> io = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("walstream-io-")).toList();
        assertThat(io).isNotEmpty();

        // a process exiting with this thread in epoll_wait waits 0.3 s for it
        assertThat(ReplicationConnection.stopSharedIoThread(Duration.ofSeconds(10))).isTrue();
        for (Thread t : io) {
            t.join(10_000);
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
        assertThat(ReplicationConnection.stopSharedIoThread(Duration.ofSeconds(10))).isTrue();

        try (ReplicationConnection c = open(primary, "sslmode=disable")) {
            assertThat(c.identifySystem().timeline()).isEqualTo(1);
        }
    }

    @Test
    void serverShutdownEndsTheStreamWithoutHanging() throws Exception {
        try (PgCluster pg = PgCluster.builder().name("shutdown").start()) {
            ReplicationConnection c = open(pg, "sslmode=disable");
            MemorySink sink = new MemorySink();
            ReplicationStream stream = c.startReplication(null, c.identifySystem().xlogPos(), 1, sink);
            stream.started().get(30, TimeUnit.SECONDS);
            pg.execute("CREATE TABLE t AS SELECT 1");
            long t0 = System.nanoTime();
            pg.stop();
            assertThat(stream.result().handle((end, error) -> end != null ? end : error).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(StreamEnd.ServerShutdown.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
            c.close();
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void followsATimelineSwitchOfAPromotedStandby() throws Exception {
        try (PgCluster source = PgCluster.builder().name("tl_primary").start();
                PgCluster standby = source.createStandby(io.walstream.pgcluster.StandbyOptions.streaming("tl_standby"));
                ReplicationConnection c = open(standby, "sslmode=disable")) {
            source.execute("CREATE TABLE before_switch AS SELECT generate_series(1, 1000) AS g");
            standby.waitForReplay(source.currentWalLsn(), Duration.ofSeconds(60));
            IdentifySystem id = c.identifySystem();
            MemorySink sink = new MemorySink();
            var streams = new java.util.concurrent.LinkedBlockingQueue<ReplicationStream>();
            var result = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    c.streamFollowingTimelines(null, id.xlogPos(), 1, sink, streams::add));
            streams.poll(30, TimeUnit.SECONDS).started().get(30, TimeUnit.SECONDS);

            standby.promote();
            ReplicationStream second = streams.poll(60, TimeUnit.SECONDS);
            assertThat(second).as("a stream on the next timeline").isNotNull();
            assertThat(second.timeline()).isEqualTo(2);
            assertThat(sink.switches).singleElement().asString().startsWith("1->2@").endsWith("00000002.history");

            standby.execute("CREATE TABLE after_switch AS SELECT generate_series(1, 1000) AS g");
            Lsn end = Lsn.parse(standby.currentWalLsn());
            sink.awaitWritten(end.value(), 30_000);
            second.stop();
            assertThat(result.get(30, TimeUnit.SECONDS)).isInstanceOf(StreamEnd.StoppedByClient.class);

            TimelineHistory history = TimelineHistory.parse(2, c.timelineHistory(2).content());
            Lsn switchPoint = history.entries().get(0).switchPoint();
            // START exactly at the switch point of the old timeline: the next-timeline row comes without COPY.
            StreamEnd atSwitch = StreamEnds.await(c.startReplication(null, switchPoint, 1, new MemorySink()));
            assertThat(atSwitch).isInstanceOfSatisfying(StreamEnd.EndOfTimeline.class, eot -> {
                assertThat(eot.next().timeline()).isEqualTo(2);
                assertThat(eot.next().startPosition()).isEqualTo(switchPoint);
            });
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Await.until("condition", java.time.Duration.ofSeconds(30), condition);
    }
}
