package io.walstream.archiver;

import io.walstream.archiver.verify.VerifyReport;

import io.walstream.archiver.verify.ArchiveVerifier;

import static io.walstream.archiver.ArchiveReceiverIT.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.ProtocolViolationException;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalFormatException;
import io.walstream.walreceiver.FakeWalsender;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walstream receive} (with reconnecting on) against a {@link FakeWalsender} that streams a real server's WAL
 * and then misbehaves. A fault on one connection only (damage in transit) costs a reconnect and nothing else: the
 * segment ends up byte-identical to the server's. The same fault at the same position on every connection (a broken
 * server, bad WAL) stops the run after the second try with the typed error, and nothing past the valid WAL was
 * reported flushed or kept as a complete segment.
 */
@ExtendWith(PgClusterExtension.class)
class HostileWalsenderIT {

    private static final int CHUNK = 128 * 1024;

    private static PgCluster primary;
    private static WalSegmentSize size;
    private static long sysid;
    private static String version;
    private static WalFileName segment;
    /** One complete segment of the server's WAL. */
    private static byte[] wal;

    @BeforeAll
    static void captureWal() throws Exception {
        primary = PgCluster.builder().name("hostile").setting("wal_keep_size", "512MB").start();
        size = WalSegmentSize.ofBytes(primary.walSegmentSize());
        sysid = Long.parseUnsignedLong(primary.systemIdentifier());
        int num = primary.serverVersionNum();
        version = num / 10000 + "." + num % 100;
        primary.execute("CREATE TABLE t (id int, payload text)");
        Lsn from = Lsn.parse(primary.currentWalLsn());
        ArchiveReceiverIT.write(primary, 20_000); // more than a segment
        primary.switchWal();
        segment = WalFileName.of(1, from.segmentNumber(size) + 1, size);
        wal = primary.readWalFile(segment.toString());
    }

    @AfterAll
    static void stopPrimary() {
        primary.close();
    }

    private static long start() {
        return segment.startLsn().value();
    }

    /** Streams {@code wal} in 128 kB XLogData from the requested start up to {@code end} (an offset into it). */
    private static void send(FakeWalsender.Stream out, byte[] bytes, int end) {
        int from = (int) (out.start() - start());
        for (int at = from; at < end; at += CHUNK) {
            int n = Math.min(CHUNK, end - at);
            out.xlogData(start() + at, start() + bytes.length, bytes, at, n);
        }
    }

    private static ArchiveReceiver receiver(Path dir, FakeWalsender fake) {
        ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port=" + fake.port()
                + " user=rep connect_timeout=5", Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
        return new ArchiveReceiver(dir, ReceiveOptions.of(settings).withStatusInterval(Duration.ofSeconds(1))
                .withLoop(true, Duration.ofMillis(200)));
    }

    private static FakeWalsender fake(FakeWalsender.Script script) throws InterruptedException {
        return new FakeWalsender(sysid, version, size.bytes() / (1024 * 1024) + "MB",
                Lsn.of(start() + 4 * CHUNK), script);
    }

    /** A whole segment once the fault is behind us, then nothing (the stream stays open). */
    private static void rest(FakeWalsender.Stream out) {
        send(out, wal, wal.length);
    }

    /** Nothing complete, and the .partial holds the server's bytes up to {@code durable} at least. */
    private static void assertNothingKeptPast(Path dir, long durable, long validEnd) throws Exception {
        assertThat(durable).as("reported flushed").isLessThanOrEqualTo(validEnd);
        assertThat(dir.resolve(segment.toString())).as("not completed").doesNotExist();
        byte[] partial = Files.readAllBytes(dir.resolve(segment.withPartial(true).toString()));
        int good = (int) (durable - start());
        assertThat(Arrays.equals(partial, 0, good, wal, 0, good)).as("the durable part is the server's WAL").isTrue();
    }

    @Test
    void xlogDataGoingBackOnOneConnectionOnlyCostsAReconnect(@TempDir Path dir) throws Exception {
        int validEnd = 24 * CHUNK;
        try (FakeWalsender fake = fake(out -> {
            if (out.connection() == 1) {
                send(out, wal, validEnd);
                out.xlogData(start() + validEnd - CHUNK, start() + wal.length, wal, validEnd - CHUNK, CHUNK);
            } else {
                rest(out);
            }
        }); ArchiveReceiver receiver = receiver(dir, fake)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            awaitTrue(() -> run.isDone() || receiver.progress().durableLsn() >= segment.endLsn().value());
            assertThat(run).isNotDone();
            receiver.stop();
            assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            assertThat(fake.connections()).isEqualTo(2);
        }
        assertThat(Files.readAllBytes(dir.resolve(segment.toString()))).isEqualTo(wal);
    }

    @Test
    void xlogDataGoingBackOnEveryConnectionStopsTheRun(@TempDir Path dir) throws Exception {
        int validEnd = 24 * CHUNK;
        try (FakeWalsender fake = fake(out -> {
            send(out, wal, validEnd);
            out.xlogData(start() + validEnd - CHUNK, start() + wal.length, wal, validEnd - CHUNK, CHUNK);
        }); ArchiveReceiver receiver = receiver(dir, fake)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat().havingCause()
                    .isInstanceOf(ProtocolViolationException.class).withMessageContaining("XLogData at");
            assertThat(fake.connections()).as("tried again once, from a fresh connection").isEqualTo(2);
            assertNothingKeptPast(dir, receiver.progress().durableLsn(), start() + validEnd);
        }
        assertThat(ArchiveVerifier.verify(dir).clean()).isTrue();
    }

    @Test
    void withoutReconnectingTheFirstRefusalStopsTheRun(@TempDir Path dir) throws Exception {
        byte[] bad = flipped(wal.length / 2 + 1000);
        try (FakeWalsender fake = fake(out -> {
            if (out.connection() == 1) {
                send(out, bad, wal.length);
            } else {
                rest(out);
            }
        })) {
            ConnectionSettings settings = ConnectionSettings.resolve("host=127.0.0.1 sslmode=disable port="
                    + fake.port() + " user=rep connect_timeout=5", Map.of(), Map.of(), Path.of("/nonexistent"), "nobody");
            try (ArchiveReceiver receiver = new ArchiveReceiver(dir, ReceiveOptions.of(settings)
                    .withLoop(false, Duration.ofMillis(200)))) {
                CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
                assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat().havingCause()
                        .isInstanceOf(WalFormatException.class);
                assertThat(fake.connections()).as("--no-loop: no second try").isEqualTo(1);
            }
        }
        assertThat(dir.resolve(segment.toString())).doesNotExist();
    }

    /** A byte of WAL flipped in the record that follows {@code at}: what the verifier must refuse. */
    private static byte[] flipped(int at) {
        byte[] bad = wal.clone();
        bad[at] ^= 0x40;
        return bad;
    }

    @Test
    void aFlippedWalByteOnOneConnectionOnlyIsFetchedAgain(@TempDir Path dir) throws Exception {
        byte[] bad = flipped(wal.length / 2 + 1000);
        try (FakeWalsender fake = fake(out -> {
            if (out.connection() == 1) {
                send(out, bad, wal.length);
            } else {
                rest(out);
            }
        }); ArchiveReceiver receiver = receiver(dir, fake)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            awaitTrue(() -> run.isDone() || receiver.progress().durableLsn() >= segment.endLsn().value());
            assertThat(run).isNotDone();
            assertThat(receiver.metrics().verificationFailures()).as("refused once, and counted").isEqualTo(1);
            receiver.stop();
            assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
            assertThat(fake.connections()).isEqualTo(2);
        }
        assertThat(Files.readAllBytes(dir.resolve(segment.toString()))).isEqualTo(wal);
        assertThat(ArchiveVerifier.verify(dir).clean()).isTrue();
    }

    @Test
    void aFlippedWalByteOnEveryConnectionIsBadWalAndStopsTheRunNamingIt(@TempDir Path dir) throws Exception {
        int at = wal.length / 2 + 1000;
        byte[] bad = flipped(at);
        try (FakeWalsender fake = fake(out -> send(out, bad, wal.length)); ArchiveReceiver receiver = receiver(dir, fake)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat().havingCause()
                    .isInstanceOf(WalFormatException.class).withMessageContaining(segment.toString());
            assertThat(fake.connections()).isEqualTo(2);
            assertThat(receiver.metrics().verificationFailures()).isEqualTo(2);
            assertNothingKeptPast(dir, receiver.progress().durableLsn(), start() + at);
        }
        // The refused bytes may be in the .partial past the flush position (the writer runs beside the verifier):
        // verify then names them there, and nothing else.
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.completeSegments()).isZero();
        assertThat(report.findings()).as(report.toString()).allSatisfy(f -> {
            assertThat(f.file()).isEqualTo(segment.withPartial(true).toString());
            assertThat(f.lsn().value()).isGreaterThanOrEqualTo(start() + at - 64 * 1024);
        });
    }

    @Test
    void anUnknownSubMessageAndAOneGigabyteDeclarationOnEveryConnection(@TempDir Path dir) throws Exception {
        int validEnd = 40 * CHUNK;
        try (FakeWalsender fake = fake(out -> {
            send(out, wal, validEnd);
            io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.buffer();
            if (out.connection() == 1) {
                b.writeByte('d').writeInt(4 + 9).writeByte('x').writeLong(0);
            } else {
                b.writeByte('d').writeInt(1 << 30).writeByte('w').writeLong(start() + validEnd);
            }
            out.raw(b);
        }); ArchiveReceiver receiver = receiver(dir, fake)) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            // both refused after the same valid WAL: the same position twice, so the server is at fault
            assertThat(run).failsWithin(Duration.ofSeconds(60)).withThrowableThat().havingCause()
                    .isInstanceOf(ProtocolViolationException.class).withMessage("CopyData length: 1073741824"
                            + " (expected: <= 1048576)");
            assertThat(fake.connections()).isEqualTo(2);
            assertNothingKeptPast(dir, receiver.progress().durableLsn(), start() + validEnd);
        }
        assertThat(List.of(ArchiveVerifier.verify(dir).clean())).containsExactly(true);
    }
}
