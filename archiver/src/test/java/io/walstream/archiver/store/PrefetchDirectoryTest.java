package io.walstream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments fetched ahead of restore_command: what is fetched, what is kept, what a take hands over. */
final class PrefetchDirectoryTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.ofBytes(1 << 20);

    @TempDir
    Path tmp;

    private ArchiveDirectory store;
    private Path target;
    private PrefetchDirectory prefetch;

    @BeforeEach
    void sixSegments() throws Exception {
        store = ArchiveDirectory.create(tmp.resolve("archive"));
        store.bindTo(42, SIZE);
        for (int i = 1; i <= 6; i++) {
            Files.write(store.resolve(segment(i)), content(i));
        }
        Files.createDirectories(tmp.resolve("pg_wal"));
        target = tmp.resolve("pg_wal").resolve("RECOVERYXLOG");
        prefetch = PrefetchDirectory.beside(target);
    }

    @Test
    void fillsTheNextSegmentsAndATakeHandsOneOver() throws Exception {
        assertThat(prefetch.path()).isEqualTo(tmp.resolve("pg_wal").resolve(".walstream-prefetch"));
        assertThat(prefetch.fill(store, segment(1), 3, Duration.ZERO)).isEqualTo(3);
        assertThat(here()).containsExactly(segment(2), segment(3), segment(4));
        assertThat(prefetch.ahead(segment(1), 3, SIZE)).isEqualTo(3);

        assertThat(prefetch.take(segment(2), target)).isTrue();
        assertThat(Files.readAllBytes(target)).isEqualTo(content(2));
        assertThat(prefetch.take(segment(2), target)).as("taken once").isFalse();
        assertThat(prefetch.take("00000002.history", target)).as("only segments are prefetched").isFalse();

        assertThat(prefetch.fill(store, segment(2), 3, Duration.ZERO)).as("only what is not here yet").isEqualTo(1);
        assertThat(here()).containsExactly(segment(3), segment(4), segment(5));
        assertThat(Files.readAllBytes(prefetch.path().resolve(segment(5)))).isEqualTo(content(5));
    }

    @Test
    void keepsOnlyTheSegmentsWantedNextAndWhatTheStoreHas() throws Exception {
        prefetch.fill(store, segment(1), 4, Duration.ZERO);
        Files.write(prefetch.path().resolve(segment(9) + ".fetched"), new byte[] {1}); // a fetch cut by a crash
        // recovery went elsewhere (a timeline switch, a restart further on): the rest is removed
        assertThat(prefetch.fill(store, segment(5), 3, Duration.ZERO)).isEqualTo(1);
        assertThat(here()).containsExactly(segment(6));
        assertThat(prefetch.fill(store, segment(6), 2, Duration.ZERO)).as("the archive ends at 6").isZero();
        assertThat(here()).isEmpty();
    }

    @Test
    void aRunningFillerFollowsWhatIsAskedForAndStopsWhenNothingIs() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> filler = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return prefetch.fill(store, segment(1), 2, Duration.ofSeconds(2));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        awaitHere(segment(2), segment(3));
        assertThat(prefetch.take(segment(2), target)).isTrue();
        awaitHere(segment(3), segment(4)); // the same filler moved on
        prefetch.asked(segment(4)); // fetched by restore_command itself
        awaitHere(segment(5), segment(6));
        assertThat(filler.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("exits after 2 s without an ask")
                .isEqualTo(5);
        assertThat(prefetch.filling()).isFalse();
    }

    @Test
    void aStandbyOnANewerTimelineIsPastEverySegmentOfTheOlderOne() throws Exception {
        String onTimeline2 = WalFileName.of(2, 5, SIZE).segmentName();
        Files.write(store.resolve(WalFileName.of(2, 6, SIZE).segmentName()), content(26));
        Files.createDirectories(prefetch.path());
        prefetch.asked(onTimeline2);
        assertThat(prefetch.fill(store, segment(1), 2, Duration.ZERO)).isEqualTo(1);
        assertThat(here()).containsExactly(WalFileName.of(2, 6, SIZE).segmentName());
    }

    private void awaitHere(String... names) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Arrays.equals(here(), names)) {
            assertThat(System.nanoTime() - deadline).as("prefetched: " + Arrays.toString(here())).isNegative();
            Thread.sleep(20);
        }
    }

    @Test
    void oneFillerAtATime() throws Exception {
        assertThat(prefetch.filling()).isFalse();
        Files.createDirectories(prefetch.path());
        try (FileChannel ch = FileChannel.open(prefetch.path().resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = ch.lock()) {
            assertThat(prefetch.filling()).isTrue();
            assertThat(prefetch.fill(store, segment(1), 3, Duration.ZERO)).isEqualTo(-1);
        }
        assertThat(here()).isEmpty();
        assertThat(prefetch.filling()).isFalse();
    }

    @Test
    void aSegmentOfTheWrongSizeIsNotPrefetched() throws Exception {
        Files.write(store.resolve(segment(3)), new byte[100]); // damaged in the archive
        assertThat(prefetch.fill(store, segment(1), 3, Duration.ZERO)).isEqualTo(2);
        assertThat(here()).containsExactly(segment(2), segment(4));
    }

    private String[] here() throws Exception {
        if (!Files.isDirectory(prefetch.path())) {
            return new String[0];
        }
        try (Stream<Path> files = Files.list(prefetch.path())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted()
                    .toArray(String[]::new);
        }
    }

    private static String segment(int n) {
        return WalFileName.of(1, n, SIZE).segmentName();
    }

    private static byte[] content(int n) {
        byte[] b = new byte[SIZE.bytes()];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void namesFollowOnTheSameTimeline() {
        assertThat(PrefetchDirectory.following("0000000300000000000000FF", 2, WalSegmentSize.DEFAULT))
                .containsExactly("000000030000000100000000", "000000030000000100000001");
    }
}
