package io.walstream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SegmentFiles#readDecompressed(WalStore, String, int)}: zstd in one call when the content is a segment, and
 * for anything else what the stream reads, so that the caller's size check or the decoder's error names the damage.
 */
final class SegmentFilesTest {

    private static final int SEGMENT = 1 << 20;
    private static final String NAME = "000000010000000000000005";

    @TempDir
    Path tmp;

    @Test
    void aZstdSegmentComesBackWholeIncludingOneOfSeveralFrames() throws Exception {
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("archive"));
        byte[] segment = walLike(SEGMENT);
        Files.write(store.resolve(NAME + ".zst"), zstd(segment));
        assertThat(SegmentFiles.readDecompressed(store, NAME + ".zst", SEGMENT)).isEqualTo(segment);

        // two frames one after the other (zstd -d and the stream read both): the same content
        byte[] twoFrames = concat(zstd(Arrays.copyOf(segment, 1000)),
                zstd(Arrays.copyOfRange(segment, 1000, SEGMENT)));
        Files.write(store.resolve(NAME + ".zst"), twoFrames);
        assertThat(SegmentFiles.readDecompressed(store, NAME + ".zst", SEGMENT)).isEqualTo(segment);
    }

    @Test
    void contentOfAnotherSizeComesBackAtItsSize() throws Exception {
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("archive"));
        byte[] longer = walLike(SEGMENT + 4096);
        Files.write(store.resolve(NAME + ".zst"), zstd(longer));
        assertThat(SegmentFiles.readDecompressed(store, NAME + ".zst", SEGMENT)).isEqualTo(longer);

        byte[] shorter = Arrays.copyOf(longer, 4096);
        Files.write(store.resolve(NAME + ".zst"), zstd(shorter));
        assertThat(SegmentFiles.readDecompressed(store, NAME + ".zst", SEGMENT)).isEqualTo(shorter);
        Files.delete(store.resolve(NAME + ".zst"));

        Files.write(store.resolve(NAME), shorter);
        assertThat(SegmentFiles.readDecompressed(store, NAME, SEGMENT)).isEqualTo(shorter);
    }

    @Test
    void aDamagedZstdFileIsAnErrorAndAMissingOneIsNoSuchFile() throws Exception {
        ArchiveDirectory store = ArchiveDirectory.create(tmp.resolve("archive"));
        byte[] zst = zstd(walLike(SEGMENT));
        Files.write(store.resolve(NAME + ".zst"), Arrays.copyOf(zst, zst.length / 2));
        assertThatThrownBy(() -> SegmentFiles.readDecompressed(store, NAME + ".zst", SEGMENT))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> SegmentFiles.readDecompressed(store, "000000010000000000000006.zst", SEGMENT))
                .isInstanceOf(NoSuchFileException.class);
    }

    /** Compressible like WAL: runs of repeated bytes among random ones. */
    private static byte[] walLike(int size) {
        byte[] b = new byte[size];
        Random random = new Random(size);
        for (int i = 0; i < size; i += 64) {
            if (random.nextBoolean()) {
                byte[] run = new byte[Math.min(64, size - i)];
                random.nextBytes(run);
                System.arraycopy(run, 0, b, i, run.length);
            }
        }
        return b;
    }

    private static byte[] zstd(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out, 3)) {
            z.write(plain);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
