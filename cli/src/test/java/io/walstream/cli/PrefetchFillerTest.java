package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** restore_command's fast path: a prefetched segment is renamed into place before any parsing or store access. */
class PrefetchFillerTest {

    private static final String SEG2 = "000000010000000000000002";

    @TempDir
    Path tmp;

    private Path target;
    private Path prefetched;

    @BeforeEach
    void threeSegmentsPrefetched() throws Exception {
        Path pgWal = Files.createDirectories(tmp.resolve("pg_wal"));
        target = pgWal.resolve("RECOVERYXLOG");
        prefetched = Files.createDirectories(pgWal.resolve(".walstream-prefetch"));
        byte[] segment = new byte[16 << 20];
        for (String name : new String[] {SEG2, "000000010000000000000003", "000000010000000000000004"}) {
            segment[0] = (byte) name.charAt(23);
            Files.write(prefetched.resolve(name), segment);
        }
    }

    @Test
    void aPrefetchedSegmentIsRenamedIntoPlace() throws Exception {
        // no store reachable at that endpoint: the fast path never asks it
        assertThat(PrefetchFiller.takePrefetched(args("-D", "s3://bucket/p", "--s3-endpoint", "http://127.0.0.1:1",
                "--prefetch", "2"))).isTrue();
        assertThat(Files.size(target)).isEqualTo(16 << 20);
        assertThat(Files.readAllBytes(target)[0]).isEqualTo((byte) '2');
        assertThat(prefetched.resolve(SEG2)).doesNotExist();
        assertThat(PrefetchFiller.takePrefetched(args("-D", "s3://bucket/p"))).as("taken once").isFalse();
    }

    @Test
    void otherFormsAreLeftToPicocli() {
        assertThat(PrefetchFiller.takePrefetched(args("-D", tmp.toString()))).as("a directory archive").isFalse();
        assertThat(PrefetchFiller.takePrefetched(args("-D", "s3://b/p", "--prefetch", "0"))).isFalse();
        assertThat(PrefetchFiller.takePrefetched(args("-D", "s3://b/p", "--prefetch", "x"))).isFalse();
        assertThat(PrefetchFiller.takePrefetched(args("-D", "s3://b/p", "--fill-prefetch"))).isFalse();
        assertThat(PrefetchFiller.takePrefetched(new String[] {"restore", "00000002.history", target.toString(),
            "-D", "s3://b/p"})).isFalse();
        assertThat(prefetched.resolve(SEG2)).exists();
    }

    private String[] args(String... options) {
        String[] all = new String[3 + options.length];
        all[0] = "restore";
        all[1] = SEG2;
        all[2] = target.toString();
        System.arraycopy(options, 0, all, 3, options.length);
        return all;
    }
}
