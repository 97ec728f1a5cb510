package io.walstream.archiver.compress;

import io.walstream.archiver.verify.VerifyReport;

import io.walstream.archiver.verify.ArchiveVerifier;

import io.walstream.archiver.store.SegmentFiles;

import io.walstream.archiver.store.ArchiveDirectory;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.SyntheticArchive;
import io.walstream.protocol.WalFileName;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SegmentCompressor} on synthetic segments: round trip, and finishing what a crash left. */
class SegmentCompressorTest {

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "gzip:1", "lz4", "lz4:9", "zstd", "zstd:19"})
    void aCompressedSegmentReadsBackAsTheOriginalAndReplacesIt(String method, @TempDir Path dir) throws Exception {
        new SyntheticArchive(dir).identity().complete(1, 3, 4);
        String name = SyntheticArchive.name(1, 3);
        byte[] original = Files.readAllBytes(dir.resolve(name));
        SegmentCompression compression = SegmentCompression.parse(method);

        try (SegmentCompressor compressor = new SegmentCompressor(ArchiveDirectory.open(dir), compression, true)) {
            compressor.submit(WalFileName.parse(name, SyntheticArchive.SIZE));
            compressor.close();
            assertThat(compressor.segmentsCompressed()).isEqualTo(1);
            assertThat(compressor.compressedBytes()).isLessThan(original.length);
            assertThat(compressor.plainBytes()).isEqualTo(original.length);
        }

        Path compressed = dir.resolve(name + compression.method().suffix());
        assertThat(dir.resolve(name)).doesNotExist();
        assertThat(SegmentFiles.readDecompressed(compressed)).isEqualTo(original);
        assertThat(dir.resolve(SyntheticArchive.name(1, 4))).as("not submitted, not touched").exists();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "lz4", "zstd"})
    void recoveryFinishesWhatACrashInterrupted(String method, @TempDir Path dir) throws Exception {
        SegmentCompression compression = SegmentCompression.parse(method);
        String suffix = compression.method().suffix();
        new SyntheticArchive(dir).identity().complete(1, 1, 3).partial(1, 4);
        String renamedNotDeleted = SyntheticArchive.name(1, 1);
        String halfWritten = SyntheticArchive.name(1, 2);
        String untouched = SyntheticArchive.name(1, 3);
        byte[] first = Files.readAllBytes(dir.resolve(renamedNotDeleted));
        byte[] second = Files.readAllBytes(dir.resolve(halfWritten));
        // crash after the rename, before the plain file was removed
        try (SegmentCompressor c = new SegmentCompressor(ArchiveDirectory.open(dir), compression, false)) {
            Path copy = dir.resolve("copy");
            Files.copy(dir.resolve(renamedNotDeleted), copy);
            c.compress(WalFileName.parse(renamedNotDeleted, SyntheticArchive.SIZE));
            Files.move(copy, dir.resolve(renamedNotDeleted));
        }
        // crash while writing the compressed file
        Files.write(dir.resolve(halfWritten + suffix + ".tmp"), new byte[] {1, 2, 3});

        try (SegmentCompressor compressor = new SegmentCompressor(ArchiveDirectory.open(dir), compression, true)) {
            compressor.recover(SyntheticArchive.SIZE);
            compressor.close();
            assertThat(compressor.segmentsCompressed()).as("the half-written and the untouched one").isEqualTo(2);
        }

        assertThat(dir.resolve(renamedNotDeleted)).doesNotExist();
        assertThat(SegmentFiles.readDecompressed(dir.resolve(renamedNotDeleted + suffix))).isEqualTo(first);
        assertThat(dir.resolve(halfWritten)).doesNotExist();
        assertThat(dir.resolve(halfWritten + suffix + ".tmp")).doesNotExist();
        assertThat(SegmentFiles.readDecompressed(dir.resolve(halfWritten + suffix))).isEqualTo(second);
        assertThat(dir.resolve(untouched + suffix)).exists();
        assertThat(dir.resolve(SyntheticArchive.name(1, 4) + ".partial")).as("partials stay as they are").exists();

        VerifyReport report = ArchiveVerifier.verify(dir);
        assertThat(report.errorCount()).as("%s", report.findings()).isZero();
    }

    @org.junit.jupiter.api.Test
    void whileTheReceiverCatchesUpCompressionWaitsUpToTheBacklogLimit(@TempDir Path dir) throws Exception {
        new SyntheticArchive(dir).identity().complete(1, 1, 4);
        java.util.concurrent.atomic.AtomicBoolean catchingUp = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (SegmentCompressor compressor = new SegmentCompressor(ArchiveDirectory.open(dir),
                SegmentCompression.parse("lz4"), false)) {
            compressor.yieldWhile(catchingUp::get, 2);
            compressor.submit(WalFileName.parse(SyntheticArchive.name(1, 1), SyntheticArchive.SIZE));
            compressor.submit(WalFileName.parse(SyntheticArchive.name(1, 2), SyntheticArchive.SIZE));
            Thread.sleep(500);
            assertThat(compressor.segmentsCompressed()).as("two waiting is within the backlog").isZero();

            compressor.submit(WalFileName.parse(SyntheticArchive.name(1, 3), SyntheticArchive.SIZE));
            awaitCompressed(compressor, 1); // three waiting: over the limit, one goes
            Thread.sleep(300);
            assertThat(compressor.segmentsCompressed()).as("back within the backlog").isEqualTo(1);

            catchingUp.set(false);
            awaitCompressed(compressor, 3);
            compressor.submit(WalFileName.parse(SyntheticArchive.name(1, 4), SyntheticArchive.SIZE));
            awaitCompressed(compressor, 4);
        }
    }

    private static void awaitCompressed(SegmentCompressor compressor, long n) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (compressor.segmentsCompressed() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(compressor.segmentsCompressed()).isEqualTo(n);
    }
}
