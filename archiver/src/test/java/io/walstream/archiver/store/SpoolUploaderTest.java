package io.walstream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.archiver.ArchiveException;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool uploader with a second archive directory as the store: which files go, in what state, and when. */
final class SpoolUploaderTest {

    static final ArchiveDirectory.Identity CLUSTER = new ArchiveDirectory.Identity(7, WalSegmentSize.DEFAULT);

    @TempDir
    Path tmp;

    ArchiveDirectory spool() throws IOException {
        ArchiveDirectory spool = ArchiveDirectory.create(tmp.resolve("spool"));
        spool.bindTo(CLUSTER.systemId(), CLUSTER.segmentSize());
        return spool;
    }

    static void write(ArchiveDirectory dir, String name, String content) throws IOException {
        Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    static SpoolUploader uploader(ArchiveDirectory spool, WalStore store, int keepLocal,
            WalFileName.Compression compression, AtomicReference<Exception> failure) {
        return new SpoolUploader(spool, store, new SpoolUploader.Settings(3, keepLocal, compression), e -> true,
                failure::set);
    }

    @Test
    void completeFilesAreUploadedAndPartialOnesWait() throws IOException {
        ArchiveDirectory spool = spool();
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        write(spool, "000000010000000000000001", "one");
        write(spool, "000000010000000000000002", "two");
        write(spool, "00000002.history", "1\t0/3000000\tno recovery target specified\n");
        write(spool, "000000020000000000000003.partial", "growing");
        write(spool, "000000020000000000000003.zst.tmp", "a compressor's temporary file");
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (SpoolUploader up = uploader(spool, store, -1, WalFileName.Compression.NONE, failure)) {
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
            assertThat(store.names()).containsExactlyInAnyOrder(ArchiveDirectory.IDENTITY_FILE,
                    "000000010000000000000001", "000000010000000000000002", "00000002.history");
            assertThat(spool.names()).contains("000000010000000000000001", "000000010000000000000002");
            assertThat(up.archivedLsn()).as("the end of segment 2").isEqualTo(3L << 24);

            // a segment completing later (the rename away from .partial) is picked up by the watcher
            Files.move(spool.resolve("000000020000000000000003.partial"), spool.resolve("000000020000000000000003"));
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
            assertThat(store.names()).contains("000000020000000000000003");
            assertThat(up.archivedLsn()).isEqualTo(4L << 24);
            assertThat(up.uploadedFiles()).as("segments and history files").isEqualTo(4);
        }
        assertThat(failure).hasNullValue();
        assertThat(Files.readString(store.resolve("000000010000000000000002"))).isEqualTo("two");
    }

    @Test
    void keepLocalRemovesOnlyUploadedOlderSegmentsAndNeverTheNewest() throws IOException {
        ArchiveDirectory spool = spool();
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        for (int i = 1; i <= 5; i++) {
            write(spool, "00000001000000000000000" + i, "segment " + i);
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (SpoolUploader up = uploader(spool, store, 0, WalFileName.Compression.NONE, failure)) {
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(store.names()).contains("000000010000000000000001", "000000010000000000000005");
        assertThat(spool.segments(CLUSTER.segmentSize())).extracting(WalFileName::toString)
                .containsExactly("000000010000000000000005");

        write(spool, "000000010000000000000006", "segment 6");
        write(spool, "000000010000000000000007.partial", "growing");
        try (SpoolUploader up = uploader(spool, store, 1, WalFileName.Compression.NONE, failure)) {
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(spool.segments(CLUSTER.segmentSize())).extracting(WalFileName::toString)
                .containsExactly("000000010000000000000006", "000000010000000000000007.partial");
        assertThat(failure).hasNullValue();
    }

    @Test
    void aPartialAnEarlierRunLeftInTheStoreGoesOnceTheSegmentIsUploadedWhole() throws IOException {
        ArchiveDirectory spool = spool();
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        write(store, "000000010000000000000001.partial", "part of it");
        write(spool, "000000010000000000000001", "all of it");
        write(spool, "000000010000000000000002.partial", "growing");
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (SpoolUploader up = uploader(spool, store, -1, WalFileName.Compression.NONE, failure)) {
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(store.names()).contains("000000010000000000000001")
                .doesNotContain("000000010000000000000001.partial");
        assertThat(failure).hasNullValue();
    }

    @Test
    void withCompressionPlainSegmentsWaitForTheirCompressedTwin() throws IOException {
        ArchiveDirectory spool = spool();
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        write(spool, "000000010000000000000001.zst", "compressed");
        write(spool, "000000010000000000000002", "not compressed yet");
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (SpoolUploader up = uploader(spool, store, -1, WalFileName.Compression.ZSTD, failure)) {
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(store.names()).containsExactlyInAnyOrder(ArchiveDirectory.IDENTITY_FILE,
                "000000010000000000000001.zst");
    }

    @Test
    void aStoreHoldingOtherBytesUnderANameStopsUploading() throws IOException {
        ArchiveDirectory spool = spool();
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        write(spool, "000000010000000000000001", "ours");
        write(store, "000000010000000000000001", "theirs");
        // the store does not list it at start (written after): the put itself finds the conflict
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (SpoolUploader up = new SpoolUploader(spool, new HidingStore(store), new SpoolUploader.Settings(1, -1,
                WalFileName.Compression.NONE), e -> true, failure::set)) {
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).isFalse();
        }
        assertThat(failure.get()).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining("000000010000000000000001");
        assertThat(Files.readString(store.resolve("000000010000000000000001"))).isEqualTo("theirs");
    }

    @Test
    void aStoreOfAnotherClusterIsRefused() throws IOException {
        ArchiveDirectory spool = spool();
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("store"));
        store.bindTo(8, WalSegmentSize.DEFAULT);
        try (SpoolUploader up = uploader(spool, store, -1, WalFileName.Compression.NONE, new AtomicReference<>())) {
            assertThatThrownBy(up::start).isInstanceOf(ArchiveException.class)
                    .hasMessageContaining("database system 8").hasMessageContaining("another prefix");
        }
    }

    /** A store whose listing omits segments, as one that another writer fills meanwhile. */
    record HidingStore(ArchiveDirectory dir) implements WalStore {
        @Override
        public String location() {
            return dir.location();
        }

        @Override
        public java.util.List<StoredFile> list() throws IOException {
            return dir.list().stream().filter(f -> !WalFileName.isWalFileName(f.name())).toList();
        }

        @Override
        public java.util.Optional<StoredFile> stat(String name) throws IOException {
            return dir.stat(name);
        }

        @Override
        public java.io.InputStream open(String name) throws IOException {
            return dir.open(name);
        }

        @Override
        public PutOutcome put(String name, Path source) throws IOException {
            return dir.put(name, source);
        }

        @Override
        public void delete(String name) throws IOException {
            dir.delete(name);
        }
    }

    @Test
    void pendingBytesCountWhatTheStoreLacksAndTheLimitSaysWhy() throws IOException {
        ArchiveDirectory spool = spool();
        UnreachableStore store = new UnreachableStore(ArchiveDirectory.create(tmp.resolve("store")));
        write(spool, "000000010000000000000001", "uploaded");
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (SpoolUploader up = uploader(spool, store, -1, WalFileName.Compression.NONE, failure)) {
            up.start();
            assertThat(up.drain(Duration.ofSeconds(30))).isTrue();
            store.down = true;
            write(spool, "000000010000000000000002", "waits");
            write(spool, "000000010000000000000003.partial", "just completed");
            write(spool, "000000010000000000000004.partial", "the next one, not counted");
            WalFileName next = WalFileName.parse("000000010000000000000004", CLUSTER.segmentSize());
            assertThat(up.pendingBytes(next)).isEqualTo("waits".length() + "just completed".length());
            assertThat(up.overSpoolLimit(19, next)).isEmpty();
            assertThat(up.overSpoolLimit(18, next)).get().asString().contains("holds 19 bytes not yet uploaded")
                    .contains("--spool-max 18").contains("receiving resumes below 14");
            assertThat(up.overSpoolLimit(24, next)).as("held back: goes on only below three quarters of the limit")
                    .isPresent();
            assertThat(up.overSpoolLimit(26, next)).as("19 <= 26 - 26/4").isEmpty();
            assertThat(up.overSpoolLimit(20, next)).as("let go: the whole limit again").isEmpty();
            assertThat(up.archivedLsn()).as("segment 2 is the oldest the store lacks").isEqualTo(2L << 24);
            var progress = up.progress((4L << 24) + 10);
            assertThat(progress.archivedLsn()).isEqualTo(2L << 24);
            assertThat(progress.lagBytes()).isEqualTo((2L << 24) + 10);
            assertThat(progress.uploadsStopped()).isFalse();
        }
    }

    /** A store that can go away: puts then fail as against a refused connection, which is worth retrying. */
    static final class UnreachableStore implements WalStore {
        private final ArchiveDirectory dir;
        volatile boolean down;

        UnreachableStore(ArchiveDirectory dir) {
            this.dir = dir;
        }

        @Override
        public String location() {
            return dir.location();
        }

        @Override
        public java.util.List<StoredFile> list() throws IOException {
            return dir.list();
        }

        @Override
        public java.util.Optional<StoredFile> stat(String name) throws IOException {
            return dir.stat(name);
        }

        @Override
        public java.io.InputStream open(String name) throws IOException {
            return dir.open(name);
        }

        @Override
        public PutOutcome put(String name, Path source) throws IOException {
            if (down) {
                throw new java.net.ConnectException("Connection refused");
            }
            return dir.put(name, source);
        }

        @Override
        public void delete(String name) throws IOException {
            dir.delete(name);
        }
    }
}
