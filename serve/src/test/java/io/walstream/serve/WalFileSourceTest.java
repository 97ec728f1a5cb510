package io.walstream.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdOutputStream;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.ForwardingWalStore;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WalFileSource}'s prefetch: a recovery asking for segments one after another finds each one decoded. */
final class WalFileSourceTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);

    /** A real archive directory that counts how often each file is opened (read from the store). */
    private static final class CountingStore extends ForwardingWalStore {
        final Map<String, Integer> opened = new ConcurrentHashMap<>();

        CountingStore(ArchiveDirectory archive) {
            super(archive);
        }

        @Override
        public InputStream open(String name) throws IOException {
            opened.merge(name, 1, Integer::sum);
            return super.open(name);
        }
    }

    @Test
    void segmentsAskedForInOrderAreEachDecodedOnceAhead(@TempDir Path tmp) throws Exception {
        ArchiveDirectory archive = ArchiveDirectory.create(tmp.resolve("archive"));
        archive.bindTo(7_300_000_000_000_000_123L, SIZE);
        int segments = 12;
        for (int seg = 1; seg <= segments; seg++) {
            byte[] bytes = new byte[SIZE.bytes()];
            Arrays.fill(bytes, (byte) seg);
            try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(archive.resolve(name(seg) + ".zst")))) {
                out.write(bytes);
            }
        }
        CountingStore store = new CountingStore(archive);
        // Prefetch on the calling thread: each request's prefetch is done before its own answer is looked up.
        WalFileSource source = new WalFileSource(store, 2, Runnable::run, null);
        for (int seg = 1; seg <= segments; seg++) {
            byte fill = (byte) seg;
            Optional<WalBody> body = source.fetch(new WalFileRequest(name(seg), false)).join();
            assertThat(body).get().isInstanceOfSatisfying(WalBody.Bytes.class,
                    b -> assertThat(b.content()).hasSize(SIZE.bytes()).startsWith(fill).endsWith(fill));
        }
        for (int seg = 1; seg <= segments; seg++) {
            assertThat(store.opened.get(name(seg) + ".zst")).as("reads of %s.zst", name(seg)).isEqualTo(1);
        }
    }

    private static String name(int seg) {
        return String.format("0000000100000000%08X", seg);
    }
}
