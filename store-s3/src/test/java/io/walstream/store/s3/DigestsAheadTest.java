package io.walstream.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigestsAheadTest {

    @Test
    void aDigestComputedAheadIsTheFilesDigest(@TempDir Path dir) throws Exception {
        Path file = write(dir.resolve("a"), (byte) 1, 3 << 20);
        try (DigestsAhead digests = new DigestsAhead(() -> true)) {
            digests.announce(file);
            assertSame(digests.digest(file), ObjectDigest.of(file));
            // taken once: a second PUT of the same file digests it again, and still right
            assertSame(digests.digest(file), ObjectDigest.of(file));
        }
    }

    @Test
    void aFileChangedAfterItWasAnnouncedIsDigestedAsItIsNow(@TempDir Path dir) throws Exception {
        Path file = write(dir.resolve("a"), (byte) 1, 1 << 20);
        try (DigestsAhead digests = new DigestsAhead(() -> true)) {
            digests.announce(file);
            write(file, (byte) 2, 1 << 20); // same size: the modification time tells
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
            assertSame(digests.digest(file), ObjectDigest.of(file));
            digests.announce(file);
            write(file, (byte) 3, 2 << 20); // another size
            assertSame(digests.digest(file), ObjectDigest.of(file));
        }
    }

    @Test
    void filesNeverAnnouncedOrGoneAreDigestedByTheirPut(@TempDir Path dir) throws Exception {
        try (DigestsAhead digests = new DigestsAhead(() -> true)) {
            digests.announce(dir.resolve("missing")); // a hint only: no error
            Path[] files = new Path[DigestsAhead.CAPACITY + 5];
            for (int i = 0; i < files.length; i++) {
                files[i] = write(dir.resolve("f" + i), (byte) i, 4096 + i);
                digests.announce(files[i]); // the oldest fall out past the capacity
            }
            for (Path f : files) {
                assertSame(digests.digest(f), ObjectDigest.of(f));
            }
            Path unannounced = write(dir.resolve("b"), (byte) 9, 100);
            assertSame(digests.digest(unannounced), ObjectDigest.of(unannounced));
        }
    }

    @Test
    void theMd5IsComputedOnlyWhileTheStoreNeedsIt(@TempDir Path dir) throws Exception {
        Path file = write(dir.resolve("a"), (byte) 4, 1 << 20);
        java.util.concurrent.atomic.AtomicBoolean md5 = new java.util.concurrent.atomic.AtomicBoolean();
        try (DigestsAhead digests = new DigestsAhead(md5::get)) {
            digests.announce(file);
            ObjectDigest crcOnly = digests.digest(file);
            assertThat(crcOnly.md5()).isNull();
            assertThat(crcOnly.crc32c()).isEqualTo(ObjectDigest.of(file).crc32c());
            digests.announce(file);
            md5.set(true); // the store refused a CRC32C header since
            assertSame(digests.digest(file), ObjectDigest.of(file));
        }
    }

    @Test
    void aPutWhoseDigestHasNotStartedDigestsItsFileItself(@TempDir Path dir) throws Exception {
        Path stuck = dir.resolve("fifo"); // the digesting thread blocks reading it until a writer comes
        assertThat(new ProcessBuilder("mkfifo", stuck.toString()).start().waitFor()).isZero();
        Path file = write(dir.resolve("a"), (byte) 5, 1 << 20);
        try (DigestsAhead digests = new DigestsAhead(() -> true)) {
            digests.announce(stuck);
            digests.announce(file);
            ObjectDigest digest = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                    () -> digests.digest(file), "waited behind the digest of another file");
            assertSame(digest, ObjectDigest.of(file));
            try (var writer = Files.newOutputStream(stuck)) {
                writer.write(1); // lets the digesting thread finish
            }
        }
    }

    private static void assertSame(ObjectDigest actual, ObjectDigest expected) {
        assertThat(actual.size()).isEqualTo(expected.size());
        assertThat(actual.crc32c()).isEqualTo(expected.crc32c());
        assertThat(Arrays.equals(actual.md5(), expected.md5())).as("MD5").isTrue();
    }

    private static Path write(Path file, byte value, int size) throws Exception {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, value);
        bytes[size / 2] = (byte) (value + 7);
        return Files.write(file, bytes);
    }
}
