package io.walstream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.WalSegmentSize;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive directory as a {@link WalStore}: what every command that reads or prunes an archive relies on. */
final class ArchiveDirectoryStoreTest {

    @TempDir
    Path tmp;

    @Test
    void putStoresOnceAndNeverReplacesDifferentBytes() throws Exception {
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("archive"));
        Path a = Files.write(tmp.resolve("a"), "first".getBytes(StandardCharsets.UTF_8));
        Path b = Files.write(tmp.resolve("b"), "other".getBytes(StandardCharsets.UTF_8));

        assertThat(store.put("00000002.history", a)).isEqualTo(WalStore.PutOutcome.STORED);
        assertThat(store.put("00000002.history", a)).isEqualTo(WalStore.PutOutcome.ALREADY_STORED);
        assertThatThrownBy(() -> store.put("00000002.history", b))
                .isInstanceOf(StoreConflictException.class)
                .hasMessageContaining("00000002.history")
                .hasMessageContaining("never overwritten");

        try (InputStream in = store.open("00000002.history")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("first");
        }
        assertThat(store.names()).containsExactly("00000002.history"); // no temporary file left behind
        assertThat(store.historyTimelines()).containsExactly(2);
        assertThat(store.hasHistory(2)).isTrue();
        assertThat(store.stat("00000002.history")).get().extracting(WalStore.StoredFile::size).isEqualTo(5L);
    }

    @Test
    void listsSegmentsInStreamingOrderAndDeletes() throws Exception {
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("archive"));
        for (String name : new String[] {"000000010000000000000003.partial", "000000010000000000000002.gz",
                "000000010000000000000001", "00000001.history", "notes.txt"}) {
            Files.write(store.resolve(name), new byte[] {1});
        }
        assertThat(store.segments(WalSegmentSize.DEFAULT)).extracting(Object::toString).containsExactly(
                "000000010000000000000001", "000000010000000000000002.gz", "000000010000000000000003.partial");
        assertThat(store.resumePoint(WalSegmentSize.DEFAULT)).get()
                .extracting(r -> r.from().toString()).isEqualTo("000000010000000000000003.partial");

        store.delete("000000010000000000000001");
        store.delete("000000010000000000000001"); // already gone: not an error
        assertThat(store.stat("000000010000000000000001")).isEmpty();
        assertThatThrownBy(() -> store.open("000000010000000000000001")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void identityRoundTripsThroughTheStore() {
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("archive"));
        assertThat(store.identity()).isEmpty();
        store.bindTo(7364951038475658023L, WalSegmentSize.DEFAULT);
        WalStore asStore = store;
        assertThat(asStore.identity()).get().isEqualTo(
                new ArchiveDirectory.Identity(7364951038475658023L, WalSegmentSize.DEFAULT));
    }
}
