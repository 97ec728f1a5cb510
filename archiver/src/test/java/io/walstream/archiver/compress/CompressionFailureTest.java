package io.walstream.archiver.compress;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.SpoolUploader;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --compress} with {@code --archive}: a segment whose compression fails stays plain in the spool, and the
 * uploader, which otherwise waits for the compressed file, uploads the plain one, so the store has no gap. Once a
 * later start compresses it, the compressed twin is not uploaded a second time.
 */
final class CompressionFailureTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

    @TempDir
    Path tmp;

    @AfterEach
    void noFault() {
        SegmentCompressor.fault = null;
    }

    @Test
    void aSegmentThatCannotBeCompressedIsUploadedPlainAndOnlyOnce() throws Exception {
        ArchiveDirectory spool = ArchiveDirectory.create(tmp.resolve("spool"));
        spool.bindTo(7, SIZE);
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        byte[] wal = new byte[SIZE.bytes()];
        new Random(1).nextBytes(wal);
        WalFileName one = WalFileName.parse("000000010000000000000001", SIZE);
        WalFileName two = WalFileName.parse("000000010000000000000002", SIZE);
        Files.write(spool.resolve(one.toString()), wal);
        Files.write(spool.resolve(two.toString()), wal);
        SegmentCompressor.fault = segment -> {
            if (segment.equals(one)) {
                throw new IOException("injected: compressing " + segment + " failed");
            }
        };
        AtomicReference<Exception> failure = new AtomicReference<>();
        SegmentCompression zstd = SegmentCompression.parse("zstd");
        try (SegmentCompressor compressor = new SegmentCompressor(spool, zstd, false);
                SpoolUploader up = new SpoolUploader(spool, store, new SpoolUploader.Settings(2, -1,
                        WalFileName.Compression.ZSTD), e -> true, failure::set)) {
            up.uploadUncompressedWhen(compressor::gaveUp);
            up.start();
            compressor.submit(one);
            compressor.submit(two);
            awaitTrue(() -> compressor.failures() == 1 && compressor.segmentsCompressed() == 1);
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
            assertThat(store.names()).contains(one.toString(), two.withCompression(WalFileName.Compression.ZSTD)
                    .toString()).doesNotContain(two.toString());
            assertThat(store.resolve(one.toString())).hasBinaryContent(wal);
            assertThat(up.archivedLsn()).as("both segments are in the store").isEqualTo(two.endLsn().value());
        }
        assertThat(failure).hasNullValue();

        // The next start compresses it; the store keeps the plain copy and gets no second one.
        SegmentCompressor.fault = null;
        try (SegmentCompressor compressor = new SegmentCompressor(spool, zstd, false);
                SpoolUploader up = new SpoolUploader(spool, store, new SpoolUploader.Settings(2, -1,
                        WalFileName.Compression.ZSTD), e -> true, failure::set)) {
            up.uploadUncompressedWhen(compressor::gaveUp);
            up.start();
            compressor.recover(SIZE);
            awaitTrue(() -> compressor.segmentsCompressed() == 1);
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(spool.names()).contains(one.withCompression(WalFileName.Compression.ZSTD).toString());
        assertThat(store.names()).doesNotContain(one.withCompression(WalFileName.Compression.ZSTD).toString());
        assertThat(failure).hasNullValue();
    }

    @Test
    void withoutTheFailureThePlainSegmentWaitsForItsTwin() throws Exception {
        ArchiveDirectory spool = ArchiveDirectory.create(tmp.resolve("spool"));
        spool.bindTo(7, SIZE);
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        Files.write(spool.resolve("000000010000000000000001"), new byte[SIZE.bytes()]);
        try (SegmentCompressor compressor = new SegmentCompressor(spool, SegmentCompression.parse("zstd"), false);
                SpoolUploader up = new SpoolUploader(spool, store, new SpoolUploader.Settings(1, -1,
                        WalFileName.Compression.ZSTD), e -> true, e -> { })) {
            up.uploadUncompressedWhen(compressor::gaveUp);
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).as("nothing to upload until it is compressed").isTrue();
            assertThat(store.names()).doesNotContain("000000010000000000000001");
        }
    }

    interface Condition {
        boolean holds();
    }

    private static void awaitTrue(Condition c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.holds()) {
            assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
