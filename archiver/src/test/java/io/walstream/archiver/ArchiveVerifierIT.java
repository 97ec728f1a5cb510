package io.walstream.archiver;

import io.walstream.archiver.verify.VerifyReport;

import io.walstream.archiver.verify.ArchiveVerifier;

import io.walstream.archiver.store.ArchiveDirectory;

import static io.walstream.archiver.ArchiveReceiverIT.awaitTrue;
import static io.walstream.archiver.ArchiveReceiverIT.options;
import static io.walstream.archiver.ArchiveReceiverIT.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.verify.VerifyReport.Finding;
import io.walstream.archiver.verify.VerifyReport.Kind;
import io.walstream.archiver.verify.VerifyReport.Severity;
import com.github.luben.zstd.ZstdOutputStream;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.StandbyOptions;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordReader;
import io.walstream.protocol.wal.XLogPageHeader;
import io.walstream.archiver.store.ForwardingWalStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link ArchiveVerifier} on archives received from real PostgreSQL 17 servers, intact and damaged. */
@Tag("pg")
@ExtendWith(PgClusterExtension.class)
class ArchiveVerifierIT {

    private static PgCluster primary;
    private static Path received;
    private static WalSegmentSize size;

    @BeforeAll
    static void receiveAnArchive() throws Exception {
        primary = PgCluster.builder().name("verify_primary").setting("wal_keep_size", "512MB").start();
        primary.execute("CREATE TABLE t (id int, payload text)");
        size = WalSegmentSize.ofBytes(primary.walSegmentSize());
        received = Files.createTempDirectory("verify-it-archive");
        ReceiveOptions opts = options(primary, "application_name=verify").withSlot("verify_it", true, true);
        try (ArchiveReceiver receiver = new ArchiveReceiver(received,
                opts.withEndLsn(Lsn.parse(primary.currentWalLsn())))) {
            receiver.run();
        }
        write(primary, 60_000); // about 40 MB: several complete segments full of records
        Lsn end = Lsn.parse(primary.switchWal());
        try (ArchiveReceiver receiver = new ArchiveReceiver(received, opts.withEndLsn(end))) {
            assertThat(receiver.run()).isEqualTo(ArchiveReceiver.Outcome.END_POSITION_REACHED);
        }
    }

    @AfterAll
    static void stopPrimary() throws Exception {
        primary.close();
        try (Stream<Path> files = Files.walk(received)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    private static Path copyOfArchive(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(received)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(ArchiveDirectory.LOCK_FILE)) {
                    Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return dir;
    }

    /** A complete segment that is neither the first nor the last complete one. */
    private static WalFileName middleSegment(Path dir) {
        List<WalFileName> complete = ArchiveDirectory.open(dir).segments(size).stream()
                .filter(n -> !n.partial()).toList();
        assertThat(complete).as("complete segments in %s", dir).hasSizeGreaterThanOrEqualTo(3);
        return complete.get(complete.size() / 2);
    }

    private static List<Finding> errors(VerifyReport report) {
        return report.findings().stream().filter(f -> f.severity() == Severity.ERROR).toList();
    }

    @Test
    void aReceivedArchiveIsClean() {
        VerifyReport report = ArchiveVerifier.verify(received);
        assertThat(report.findings()).isEmpty();
        assertThat(report.identityFile()).isTrue();
        assertThat(report.identity().systemIdString()).isEqualTo(primary.systemIdentifier());
        assertThat(report.serverMajor()).isEqualTo(primary.serverVersionNum() / 10000);
        assertThat(report.completeSegments()).isGreaterThanOrEqualTo(3);
        assertThat(report.recordsVerified()).isGreaterThan(60_000);
    }

    @Test
    void aFlippedByteInARecordIsAnErrorNamingTheSegmentAndAnLsnInIt(@TempDir Path dir) throws Exception {
        copyOfArchive(dir);
        WalFileName victim = middleSegment(dir);
        Path file = dir.resolve(victim.toString());
        long start = victim.startLsn().value();
        long target = -1;
        try (WalRecordReader reader = WalRecordReader.open(List.of(file))) {
            while (reader.next()) {
                long lsn = reader.record().lsn();
                long at = lsn + 40; // inside the record's data, past its header
                if (lsn >= start + size.bytes() / 2 && reader.record().totalLength() > 100
                        && at / XLogPageHeader.PAGE_SIZE == lsn / XLogPageHeader.PAGE_SIZE) {
                    target = at;
                    break;
                }
            }
        }
        assertThat(target).as("a record in the middle of %s", victim).isPositive();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(target - start);
            int b = f.read();
            f.seek(target - start);
            f.write(b ^ 0x20);
        }
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(errors(report)).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.WAL_DEFECT);
            assertThat(f.file()).isEqualTo(victim.toString());
            assertThat(f.lsn().value()).isBetween(start, victim.endLsn().value() - 1);
            assertThat(f.message()).contains("CRC");
        });
    }

    @Test
    void aDeletedSegmentIsAGapNamingIt(@TempDir Path dir) throws Exception {
        copyOfArchive(dir);
        WalFileName victim = middleSegment(dir);
        Files.delete(dir.resolve(victim.toString()));
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(errors(report)).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.GAP);
            assertThat(f.file()).isEqualTo(victim.toString());
            assertThat(f.lsn()).isEqualTo(victim.startLsn());
        });
    }

    @Test
    void aTruncatedSegmentIsASizeError(@TempDir Path dir) throws Exception {
        copyOfArchive(dir);
        WalFileName victim = middleSegment(dir);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(victim.toString()).toFile(), "rw")) {
            f.setLength(size.bytes() / 3);
        }
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(errors(report)).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.SIZE);
            assertThat(f.file()).isEqualTo(victim.toString());
        });
    }

    @Test
    void compressedSegmentsAreVerifiedAcrossTheirEdges(@TempDir Path dir) throws Exception {
        copyOfArchive(dir);
        List<WalFileName> complete = ArchiveDirectory.open(dir).segments(size).stream()
                .filter(n -> !n.partial()).toList();
        compress(dir, complete.get(0), ".gz", GZIPOutputStream::new);
        compress(dir, complete.get(1), ".lz4", LZ4FrameOutputStream::new);
        compress(dir, complete.get(2), ".zst", ZstdOutputStream::new);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).isEmpty();
        assertThat(report.compressedSegments()).isEqualTo(3);
        assertThat(report.recordsVerified()).isEqualTo(ArchiveVerifier.verify(received).recordsVerified());
    }

    private interface Compressor {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    private static void compress(Path dir, WalFileName name, String suffix, Compressor compressor) throws Exception {
        Path plain = dir.resolve(name.toString());
        try (OutputStream out = compressor.wrap(Files.newOutputStream(dir.resolve(name + suffix)))) {
            Files.copy(plain, out);
        }
        Files.delete(plain);
    }

    @Test
    void anArchiveBeingWrittenVerifiesCleanMeanwhile(@TempDir Path dir) throws Exception {
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options(primary, "application_name=live_verify"))) {
            CompletableFuture<ArchiveReceiver.Outcome> run = CompletableFuture.supplyAsync(receiver::run);
            awaitTrue(() -> receiver.progress().streaming());
            for (int i = 0; i < 5; i++) {
                write(primary, 10_000);
                VerifyReport report = ArchiveVerifier.verify(dir);
                assertThat(errors(report)).as("pass %d", i).isEmpty();
            }
            receiver.stop();
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(ArchiveReceiver.Outcome.STOPPED);
        }
        assertThat(ArchiveVerifier.verify(dir).findings()).isEmpty();
    }

    /**
     * The newest .partial of a live archive is pre-sized, so one read can meet the zeros the receiver has not
     * written yet and, a page further on, bytes it has: a torn read, not a defect. Zeros that stay are one.
     */
    @Test
    void aTornReadOfTheLivePartialIsNotADefectButLastingZerosAre(@TempDir Path dir) throws Exception {
        copyOfArchive(dir);
        WalFileName live = middleSegment(dir);
        for (WalFileName n : ArchiveDirectory.open(dir).segments(size)) {
            if (n.startLsn().compareTo(live.startLsn()) > 0) {
                Files.delete(dir.resolve(n.toString()));
            }
        }
        WalFileName partial = live.withPartial(true);
        Files.move(dir.resolve(live.toString()), dir.resolve(partial.toString()));
        long start = live.startLsn().value();
        long hole = -1;
        try (WalRecordReader reader = WalRecordReader.open(List.of(dir.resolve(partial.toString())))) {
            while (reader.next()) {
                long lsn = reader.record().lsn();
                if (lsn >= start + size.bytes() / 2 && lsn % XLogPageHeader.PAGE_SIZE < XLogPageHeader.PAGE_SIZE / 2) {
                    hole = lsn;
                    break;
                }
            }
        }
        assertThat(hole).as("a record in the first half of a page in %s", partial).isPositive();
        long holeEnd = (hole / XLogPageHeader.PAGE_SIZE + 1) * XLogPageHeader.PAGE_SIZE;
        int[] tornReads = {1};
        try (TornPartialStore once = new TornPartialStore(ArchiveDirectory.open(dir), partial, hole - start,
                holeEnd - start, tornReads)) {
            assertThat(errors(ArchiveVerifier.verify(once, ArchiveVerifier.Options.DEFAULTS))).isEmpty();
        }
        assertThat(tornReads[0]).as("the torn read happened").isZero();
        tornReads[0] = Integer.MAX_VALUE;
        try (TornPartialStore always = new TornPartialStore(ArchiveDirectory.open(dir), partial, hole - start,
                holeEnd - start, tornReads)) {
            assertThat(errors(ArchiveVerifier.verify(always, ArchiveVerifier.Options.DEFAULTS))).singleElement()
                .satisfies(f -> {
                    assertThat(f.kind()).isEqualTo(Kind.WAL_DEFECT);
                    assertThat(f.file()).isEqualTo(partial.toString());
                    assertThat(f.lsn()).isEqualTo(Lsn.of(holeEnd));
                    assertThat(f.message()).contains("data after end of WAL");
                });
        }
    }

    /**
     * A read of the live .partial can also catch a record the receiver is writing, its end still zeros: its CRC
     * mismatches what was read, but read again the bytes have changed. A mismatch that reads the same twice is a defect.
     */
    @Test
    void aReadThatCatchesARecordBeingWrittenIsNotADefectButAStableMismatchIs(@TempDir Path dir) throws Exception {
        copyOfArchive(dir);
        WalFileName live = middleSegment(dir);
        for (WalFileName n : ArchiveDirectory.open(dir).segments(size)) {
            if (n.startLsn().compareTo(live.startLsn()) > 0) {
                Files.delete(dir.resolve(n.toString()));
            }
        }
        WalFileName partial = live.withPartial(true);
        Files.move(dir.resolve(live.toString()), dir.resolve(partial.toString()));
        long start = live.startLsn().value();
        long record = -1;
        long recordEnd = -1;
        try (WalRecordReader reader = WalRecordReader.open(List.of(dir.resolve(partial.toString())))) {
            while (reader.next()) {
                WalRecord r = reader.record();
                if (r.lsn() >= start + size.bytes() / 2 && r.totalLength() >= 64
                        && r.lsn() / XLogPageHeader.PAGE_SIZE == (r.lsn() + r.totalLength() - 1) / XLogPageHeader.PAGE_SIZE) {
                    record = r.lsn();
                    recordEnd = r.lsn() + r.totalLength();
                    break;
                }
            }
        }
        assertThat(record).as("a record of 64 bytes or more within one page of %s", partial).isPositive();
        int[] tornReads = {1};
        try (TornPartialStore once = new TornPartialStore(ArchiveDirectory.open(dir), partial, recordEnd - 16 - start,
                recordEnd - start, tornReads)) {
            assertThat(errors(ArchiveVerifier.verify(once, ArchiveVerifier.Options.DEFAULTS))).isEmpty();
        }
        assertThat(tornReads[0]).as("the torn read happened").isZero();
        tornReads[0] = Integer.MAX_VALUE;
        long defect = record;
        try (TornPartialStore always = new TornPartialStore(ArchiveDirectory.open(dir), partial,
                recordEnd - 16 - start, recordEnd - start, tornReads)) {
            assertThat(errors(ArchiveVerifier.verify(always, ArchiveVerifier.Options.DEFAULTS))).singleElement()
                .satisfies(f -> {
                    assertThat(f.kind()).isEqualTo(Kind.WAL_DEFECT);
                    assertThat(f.file()).isEqualTo(partial.toString());
                    assertThat(f.lsn()).isEqualTo(Lsn.of(defect));
                    assertThat(f.message()).contains("record CRC mismatch");
                });
        }
    }

    /** Fault injection: a store with a running receiver whose .partial reads with zeros in [from, to). */
    private static final class TornPartialStore extends ForwardingWalStore {
        private final WalFileName partial;
        private final long from;
        private final long to;
        private final int[] tornReadsLeft;

        TornPartialStore(ArchiveDirectory archive, WalFileName partial, long from, long to, int[] tornReadsLeft) {
            super(archive);
            this.partial = partial;
            this.from = from;
            this.to = to;
            this.tornReadsLeft = tornReadsLeft;
        }

        @Override
        public InputStream open(String name) throws IOException {
            if (!name.equals(partial.toString()) || tornReadsLeft[0] <= 0) {
                return super.open(name);
            }
            tornReadsLeft[0]--;
            byte[] bytes;
            try (InputStream in = super.open(name)) {
                bytes = in.readAllBytes();
            }
            Arrays.fill(bytes, (int) from, (int) to, (byte) 0);
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public boolean receiverActive() {
            return true;
        }
    }

    @Test
    void anArchiveAcrossAPromotionIsClean(@TempDir Path dir) throws Exception {
        try (PgCluster source = PgCluster.builder().name("verify_tl_primary").start();
                PgCluster standby = source.createStandby(StandbyOptions.streaming("verify_tl_standby"))) {
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
        }
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.findings()).isEmpty();
        assertThat(report.timelines()).extracting(VerifyReport.TimelineSummary::timeline).containsExactly(1, 2);
        assertThat(report.timelines().get(0).end()).isNotNull().isEqualTo(report.timelines().get(1).begin());
        assertThat(report.recordsVerified()).isPositive();
    }
}
