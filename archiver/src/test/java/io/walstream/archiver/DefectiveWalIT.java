package io.walstream.archiver;

import io.walstream.archiver.store.ArchiveDirectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.walstream.archiver.pipeline.ArchivePipeline;
import io.walstream.archiver.pipeline.FsyncPolicy;
import io.walstream.archiver.verify.ReceivedWalVerifier;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.message.backend.XLogData;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A defect in received WAL is never archived as good: a real server's WAL, fed through the
 * pipeline as a misbehaving walsender would send it, with one byte flipped in the record that
 * crosses a segment edge. The CRC of that record can only be checked once its second half has
 * arrived, in the next segment; until then the first segment must stay {@code .partial} and the
 * flush position must stay before the record, so the server keeps the good copy.
 */
@ExtendWith(PgClusterExtension.class)
class DefectiveWalIT {

    private static PgCluster primary;
    private static WalSegmentSize size;
    private static int major;
    private static long sysid;
    /** Two consecutive segments of real WAL, and the record that crosses from the first into the second. */
    private static long firstSegment;
    private static byte[] wal;
    private static WalRecord crossing;

    @BeforeAll
    static void captureWal(@TempDir Path tmp) throws Exception {
        primary = PgCluster.builder().name("defect_primary").setting("wal_keep_size", "512MB").start();
        size = WalSegmentSize.ofBytes(primary.walSegmentSize());
        major = primary.serverVersionNum() / 10000;
        sysid = Long.parseUnsignedLong(primary.systemIdentifier());
        primary.execute("CREATE TABLE t (id int, payload text)");
        Lsn from = Lsn.parse(primary.currentWalLsn());
        ArchiveReceiverIT.write(primary, 40_000); // more than two segments, no switch in between
        primary.switchWal();
        firstSegment = from.segmentNumber(size) + 1;
        Path a = tmp.resolve(WalFileName.of(1, firstSegment, size).toString());
        Path b = tmp.resolve(WalFileName.of(1, firstSegment + 1, size).toString());
        Files.write(a, primary.readWalFile(a.getFileName().toString()));
        Files.write(b, primary.readWalFile(b.getFileName().toString()));
        wal = new byte[2 * size.bytes()];
        System.arraycopy(Files.readAllBytes(a), 0, wal, 0, size.bytes());
        System.arraycopy(Files.readAllBytes(b), 0, wal, size.bytes(), size.bytes());

        long edge = WalFileName.of(1, firstSegment + 1, size).startLsn().value();
        try (WalRecordReader reader = WalRecordReader.open(List.of(a, b),
                new WalRecordReader.Options(1, sysid, major, true))) {
            while (reader.next()) {
                WalRecord r = reader.record();
                if (r.lsn() < edge && r.endLsn() > edge) {
                    crossing = r;
                    break;
                }
            }
        }
        assertThat(crossing).as("a record crossing into the second segment").isNotNull();
        assertThat(crossing.lsn()).as("room for a flipped byte before the edge").isLessThan(edge - 64);
    }

    @AfterAll
    static void stopPrimary() {
        primary.close();
    }

    private static long start() {
        return WalFileName.of(1, firstSegment, size).startLsn().value();
    }

    /** Feeds {@code bytes} as a walsender would: 128 kB XLogData messages from the first segment's start. */
    private static ArchivePipeline feed(Path dir, byte[] bytes, boolean synchronous) {
        return feed(dir, start(), bytes, synchronous);
    }

    /** The same from {@code from}, a segment start, into the archive in {@code dir}. */
    private static ArchivePipeline feed(Path dir, long from, byte[] bytes, boolean synchronous) {
        ArchiveDirectory archive = ArchiveDirectory.create(dir);
        archive.bindTo(sysid, size);
        ArchivePipeline pipeline = new ArchivePipeline(archive, size, ArchivePipeline.Settings.defaults()
                .withVerifier(ReceivedWalVerifier.records(size, 1, sysid, major))
                .withFsync(synchronous ? FsyncPolicy.synchronous() : FsyncPolicy.defaults()));
        pipeline.startAt(1, Lsn.of(from));
        int chunk = 128 * 1024;
        for (int at = 0; at < bytes.length; at += chunk) {
            int n = Math.min(chunk, bytes.length - at);
            pipeline.sink().onWal(new XLogData(from + at, from + bytes.length, 0,
                    Unpooled.wrappedBuffer(bytes, at, n)));
            pipeline.sink().onReadComplete(); // synchronous mode (stages on the I/O thread) fsyncs here
            // Each message made as durable as it may be before the next arrives, as on a slow
            // link: the flusher must not get the chance to complete a segment only because the
            // verifier happened to run ahead and fail first.
            try {
                pipeline.flush();
            } catch (RuntimeException defect) {
                break;
            }
        }
        return pipeline;
    }

    @ParameterizedTest(name = "synchronous={0}")
    @ValueSource(booleans = {false, true})
    void goodWalCompletesBothSegments(boolean synchronous, @TempDir Path dir) {
        try (ArchivePipeline pipeline = feed(dir, wal, synchronous)) {
            pipeline.flush();
            assertThat(pipeline.failure()).isNotDone();
            assertThat(pipeline.flushedLsn()).isEqualTo(start() + wal.length);
        }
        assertThat(dir.resolve(WalFileName.of(1, firstSegment, size).toString())).exists();
        assertThat(dir.resolve(WalFileName.of(1, firstSegment + 1, size).toString())).exists();
    }

    @ParameterizedTest(name = "synchronous={0}")
    @ValueSource(booleans = {false, true})
    void aFlippedByteBeforeTheEdgeStopsTheStreamAndTheSegmentStaysPartial(boolean synchronous, @TempDir Path dir) {
        long edge = WalFileName.of(1, firstSegment + 1, size).startLsn().value();
        long flipped = edge - 16;
        byte[] bad = wal.clone();
        bad[(int) (flipped - start())] ^= 0x01;

        ArchivePipeline pipeline = feed(dir, bad, synchronous);
        try {
            assertThatThrownBy(pipeline::flush).isInstanceOf(RuntimeException.class);
            assertThat(pipeline.failure()).isCompletedExceptionally();
            assertThatThrownBy(() -> pipeline.failure().join()).isInstanceOf(CompletionException.class)
                    .hasMessageContaining(Lsn.format(crossing.lsn()));
            assertThat(pipeline.flushedLsn()).as("never reported flushed past the bad record")
                    .isLessThanOrEqualTo(crossing.lsn());
        } finally {
            pipeline.close();
        }
        WalFileName first = WalFileName.of(1, firstSegment, size);
        assertThat(dir.resolve(first.toString())).as("not completed: it holds the defect").doesNotExist();
        assertThat(dir.resolve(first.withPartial(true).toString())).exists();
        assertThat(dir.resolve(WalFileName.of(1, firstSegment + 1, size).toString())).doesNotExist();
    }

    /**
     * Streaming restarts at the second segment (a reconnect) while the first is complete in the archive: the second
     * begins with the tail of the record that crosses the edge. With the first segment's bytes from the archive the
     * verifier checks that record whole, so a byte flipped in its tail (in transit, say) is refused too, instead of
     * being skipped as the continuation of a record whose start was not seen.
     */
    @ParameterizedTest(name = "synchronous={0}")
    @ValueSource(booleans = {false, true})
    void afterARestartTheTailOfTheRecordFromThePreviousSegmentIsCheckedToo(boolean synchronous, @TempDir Path dir)
            throws Exception {
        long edge = WalFileName.of(1, firstSegment + 1, size).startLsn().value();
        int tail = (int) (crossing.endLsn() - edge);
        assertThat(tail).as("the crossing record's tail goes past the long page header").isGreaterThan(48);
        Files.write(dir.resolve(WalFileName.of(1, firstSegment, size).toString()),
                java.util.Arrays.copyOf(wal, size.bytes()));
        byte[] second = java.util.Arrays.copyOfRange(wal, size.bytes(), 2 * size.bytes());

        try (ArchivePipeline good = feed(dir, edge, second, synchronous)) {
            good.flush();
            assertThat(good.failure()).as("the good copy verifies, primed or not").isNotDone();
        }
        Files.delete(dir.resolve(WalFileName.of(1, firstSegment + 1, size).toString()));

        second[40 + (tail - 40) / 2] ^= 0x01;
        ArchivePipeline pipeline = feed(dir, edge, second, synchronous);
        try {
            assertThatThrownBy(pipeline::flush).isInstanceOf(RuntimeException.class);
            assertThatThrownBy(() -> pipeline.failure().join()).isInstanceOf(CompletionException.class)
                    .hasMessageContaining("record CRC mismatch at " + Lsn.format(crossing.lsn()));
            assertThat(pipeline.flushedLsn()).isLessThan(crossing.endLsn());
        } finally {
            pipeline.close();
        }
        assertThat(dir.resolve(WalFileName.of(1, firstSegment + 1, size).toString())).as("not completed")
                .doesNotExist();
    }
}
