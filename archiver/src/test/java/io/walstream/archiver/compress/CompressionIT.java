package io.walstream.archiver.compress;

import io.walstream.archiver.verify.VerifyReport;

import io.walstream.archiver.verify.ArchiveVerifier;

import io.walstream.archiver.store.SegmentFiles;

import io.walstream.archiver.store.WalRestore;

import io.walstream.archiver.store.ArchiveDirectory;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.ArchiveReceiverIT;
import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --compress} against a real PostgreSQL 15 server: every completed segment decompresses to
 * the server's own bytes, the archive verifies and restores, and pg_receivewal 15 resumes the
 * directory walstream wrote and walstream resumes pg_receivewal's (those tests need pg_receivewal 15:
 * {@link PgBinaries#clientTool}).
 */
@ExtendWith(PgClusterExtension.class)
class CompressionIT {

    private static PgCluster primary;
    private static WalSegmentSize size;

    @BeforeAll
    static void startPrimary() {
        primary = PgCluster.builder().version(15).name("compress_primary").setting("wal_keep_size", "1GB").start();
        primary.execute("CREATE TABLE t (id int, payload text)");
        size = WalSegmentSize.ofBytes(primary.walSegmentSize());
    }

    @AfterAll
    static void stopPrimary() {
        primary.close();
    }

    private static int slots;
    private String slot;

    /** Each test's slot holds its WAL from the start, so the first receiver (either tool) gets the writes. */
    @BeforeEach
    void createSlot() {
        slot = "compress_" + ++slots;
        primary.createPhysicalSlot(slot);
    }

    @AfterEach
    void dropSlot() {
        primary.query("SELECT pg_drop_replication_slot(?)::text", slot);
    }

    /** Receives with walstream until the WAL written now (about two segments) is durable. */
    private Lsn receive(Path dir, String compress) {
        ArchiveReceiverIT.write(primary, 25_000);
        Lsn end = Lsn.parse(primary.switchWal());
        ReceiveOptions options = ArchiveReceiverIT.options(primary, "application_name=compressing")
                .withSlot(slot, false, false).withCompression(SegmentCompression.parse(compress)).withEndLsn(end);
        try (ArchiveReceiver receiver = new ArchiveReceiver(dir, options)) {
            assertThat(receiver.run()).isEqualTo(ArchiveReceiver.Outcome.END_POSITION_REACHED);
        }
        return end;
    }

    /** Receives with pg_receivewal 15 until the WAL written now is durable. */
    private Lsn pgReceivewal(Path dir, String compress) throws Exception {
        Path tool = pgReceivewalTool();
        ArchiveReceiverIT.write(primary, 25_000);
        Lsn end = Lsn.parse(primary.switchWal());
        Path log = Files.createTempFile("pg_receivewal", ".log");
        ProcessBuilder pb = new ProcessBuilder(tool.toString(), "-D", dir.toString(), "-h", "127.0.0.1",
                "-p", Integer.toString(primary.port()), "-U", primary.superuser(), "-w", "-n", "-v", "-S", slot,
                "--compress=" + compress, "-E", end.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PGPASSWORD", primary.password());
        pb.environment().put("PGSSLMODE", "disable");
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("pg_receivewal finished").isTrue();
        assertThat(p.exitValue()).as("pg_receivewal: %s", Files.readString(log)).isZero();
        return end;
    }

    /** pg_receivewal 15; without it the interoperability tests fail, naming what to install. */
    private static Path pgReceivewalTool() {
        return PgBinaries.clientTool(15, "pg_receivewal");
    }

    /**
     * From the first segment to the one before {@code end}'s, each segment is in the archive exactly
     * once as a complete file (in whatever compression), and decompresses to the server's bytes.
     */
    private static void assertContinuousAndTheServers(Path dir, Lsn end) throws Exception {
        List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size);
        long first = segments.get(0).segmentNumber();
        long lastComplete = end.segmentNumber(size) - 1;
        assertThat(lastComplete).isGreaterThan(first);
        for (long seg = first; seg <= lastComplete; seg++) {
            long number = seg;
            List<WalFileName> copies = new ArrayList<>(segments.stream()
                    .filter(n -> n.segmentNumber() == number && !n.partial()).toList());
            assertThat(copies).as("segment %d: %s", seg, segments).hasSize(1);
            WalFileName name = copies.get(0);
            assertThat(SegmentFiles.readDecompressed(dir.resolve(name.toString()))).as("segment %s", name)
                    .isEqualTo(primary.readWalFile(name.segmentName()));
        }
        assertThat(segments).as("no stale compressed partial of a completed segment").noneMatch(n -> n.partial()
                && n.compression() != WalFileName.Compression.NONE && n.segmentNumber() <= lastComplete);
        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.errorCount()).as("%s", report.findings()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "lz4", "zstd:5"})
    void everyCompletedSegmentIsCompressedAndIsTheServers(String compress, @TempDir Path dir) throws Exception {
        Lsn end = receive(dir, compress);
        WalFileName.Compression method = SegmentCompression.parse(compress).method();

        List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size);
        assertThat(segments).filteredOn(n -> !n.partial()).isNotEmpty()
                .allSatisfy(n -> assertThat(n.compression()).as("%s", n).isEqualTo(method));
        assertThat(end.segmentNumber(size)).isGreaterThan(segments.get(0).segmentNumber());

        WalFileName restored = segments.get(0);
        Path target = dir.resolveSibling("RESTORED-" + compress.replace(':', '_'));
        assertThat(WalRestore.restore(ArchiveDirectory.open(dir), restored.segmentName(), target, false)).isTrue();
        assertThat(target).hasBinaryContent(primary.readWalFile(restored.segmentName()));
        Files.delete(target);

        Lsn more = receive(dir, compress); // resumes a compressed archive
        assertContinuousAndTheServers(dir, more);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "lz4"})
    @Tag("pg-client-tools")
    void pgReceivewalResumesWhatWalstreamWrote(String compress, @TempDir Path dir) throws Exception {
        pgReceivewalTool();
        receive(dir, compress);
        WalFileName ours = last(dir, false);
        Lsn end = pgReceivewal(dir, compress);
        assertContinuousAndTheServers(dir, end);
        assertThat(last(dir, false).segmentNumber()).isGreaterThan(ours.segmentNumber());
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "lz4"})
    @Tag("pg-client-tools")
    void walstreamResumesWhatPgReceivewalWrote(String compress, @TempDir Path dir) throws Exception {
        pgReceivewal(dir, compress);
        WalFileName theirs = last(dir, false);
        Lsn end = receive(dir, compress);
        assertContinuousAndTheServers(dir, end);
        assertThat(last(dir, false).segmentNumber()).isGreaterThan(theirs.segmentNumber());
    }

    private static WalFileName last(Path dir, boolean partial) {
        List<WalFileName> segments = ArchiveDirectory.open(dir).segments(size).stream()
                .filter(n -> n.partial() == partial).toList();
        assertThat(segments).as("segments in %s: %s", dir, String.join(File.pathSeparator,
                dir.toFile().list())).isNotEmpty();
        return segments.get(segments.size() - 1);
    }
}
