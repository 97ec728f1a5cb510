package io.walstream.archiver.store;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segments fetched from a remote archive ahead of {@code restore_command}, into {@code pg_wal/.walstream-prefetch}
 * beside the file PostgreSQL asks for (WAL-G keeps {@code pg_wal/.wal-g/prefetch} for the same reason). A standby
 * asks for one segment at a time and waits for each, so a store with a round trip per request would be paid in full
 * for every segment; from here a segment is one rename away.
 *
 * <p>Only whole segments that {@link WalRestore#restore} accepted (decompressed, their size checked) are renamed in,
 * so whatever is here is an archived segment as it is in the store, which never replaces one with other bytes: taking
 * a file here is as good as fetching it. One filler at a time (a lock file); it removes what is not among the next
 * segments wanted (a timeline switch, a recovery that went back), so the directory holds at most that many.
 */
public final class PrefetchDirectory {

    private static final Logger log = LoggerFactory.getLogger(PrefetchDirectory.class);

    /** The directory's name inside {@code pg_wal}. */
    public static final String NAME = ".walstream-prefetch";
    private static final String LOCK = ".lock";
    private static final String FETCHED = ".fetched";
    private static final int MAX_PARALLEL_FETCHES = 4;

    private final Path dir;

    private PrefetchDirectory(Path dir) {
        this.dir = dir;
    }

    /** The prefetch directory beside {@code target}, PostgreSQL's {@code %p} ({@code pg_wal/RECOVERYXLOG}). */
    public static PrefetchDirectory beside(Path target) {
        return new PrefetchDirectory(target.toAbsolutePath().getParent().resolve(NAME));
    }

    public Path path() {
        return dir;
    }

    /** Moves the prefetched segment {@code walFileName} to {@code target}; false when it is not here. */
    public boolean take(String walFileName, Path target) throws IOException {
        if (!WalRestore.isSegmentName(walFileName)) {
            return false;
        }
        try {
            Files.move(dir.resolve(walFileName), target, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** How many of the {@code count} segments after {@code walFileName} are here. */
    public int ahead(String walFileName, int count, WalSegmentSize segmentSize) {
        int here = 0;
        for (String name : following(walFileName, count, segmentSize)) {
            if (Files.exists(dir.resolve(name))) {
                here++;
            }
        }
        return here;
    }

    /** Whether a filler holds the lock now. */
    public boolean filling() throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (FileChannel lock = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = tryLock(lock)) {
            return held == null;
        }
    }

    /** The lock, or null when a filler holds it (in another process, or in this one). */
    private static FileLock tryLock(FileChannel lockFile) throws IOException {
        try {
            return lockFile.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException heldHere) {
            return null;
        }
    }

    /**
     * Fetches those of the {@code count} segments after {@code walFileName} that are not here yet, up to four at a
     * time, and removes every other file. Returns how many it fetched, or -1 when another filler holds the lock.
     * A segment the store does not have (yet) is left out; a failure is logged and left to restore_command, which
     * then fetches the segment itself.
     */
    public int fill(WalStore store, String walFileName, int count) throws IOException {
        Files.createDirectories(dir);
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = tryLock(lockFile)) {
            if (lock == null) {
                return -1;
            }
            WalSegmentSize size = WalRestore.expectedSegmentSize(store).map(WalSegmentSize::ofBytes)
                    .orElse(WalSegmentSize.DEFAULT);
            Set<String> wanted = new LinkedHashSet<>(following(walFileName, count, size));
            removeAllBut(wanted);
            List<String> missing = wanted.stream().filter(n -> !Files.exists(dir.resolve(n))).toList();
            if (missing.isEmpty()) {
                return 0;
            }
            ExecutorService fetchers = Executors.newFixedThreadPool(Math.min(MAX_PARALLEL_FETCHES, missing.size()));
            try {
                List<Future<Boolean>> fetches = new ArrayList<>();
                for (String name : missing) {
                    fetches.add(fetchers.submit(() -> fetch(store, name)));
                }
                int fetched = 0;
                for (int i = 0; i < fetches.size(); i++) {
                    try {
                        fetched += fetches.get(i).get() ? 1 : 0;
                    } catch (java.util.concurrent.ExecutionException e) {
                        log.warn("could not prefetch {}: {}", missing.get(i), e.getCause().getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while prefetching", e);
                    }
                }
                return fetched;
            } finally {
                fetchers.shutdownNow();
            }
        }
    }

    /**
     * Restores one segment under a temporary name, makes it durable, then renames it in: after a power cut a name
     * here is a whole segment or absent, never one whose bytes the cut lost.
     */
    private boolean fetch(WalStore store, String name) throws IOException {
        Path fetched = dir.resolve(name + FETCHED);
        if (!WalRestore.restore(store, name, fetched, false)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(fetched, StandardOpenOption.WRITE)) {
            ch.force(false);
        }
        Files.move(fetched, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** The {@code count} segment names after {@code walFileName}, on its timeline. */
    static List<String> following(String walFileName, int count, WalSegmentSize segmentSize) {
        WalFileName first = WalFileName.parse(walFileName, segmentSize);
        List<String> names = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            names.add(WalFileName.of(first.timeline(), first.segmentNumber() + i, segmentSize).segmentName());
        }
        return names;
    }

    private void removeAllBut(Set<String> wanted) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.startsWith(".") && !wanted.contains(name)) {
                    Files.deleteIfExists(f); // a segment no longer wanted, or a cut fetch's leftover
                }
            }
        }
    }
}
