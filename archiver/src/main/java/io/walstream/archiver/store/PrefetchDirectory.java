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

    /** The directory's name inside {@code pg_wal}. */
    public static final String NAME = ".walstream-prefetch";
    private static final String LOCK = ".lock";
    private static final String FETCHED = ".fetched";
    private static final String ASKED = ".asked";
    private static final String PID = ".filler.pid";
    private static final int MAX_PARALLEL_FETCHES = 4;
    private static final long ASK_POLL_MILLIS = 50;

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
        } catch (NoSuchFileException e) {
            return false;
        }
        asked(walFileName);
        return true;
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
     * Keeps the {@code count} segments after the last one asked for here ({@link #asked}, at least
     * {@code walFileName}), fetching up to four at a time, and removes every other file. Returns after one pass when
     * {@code idle} is zero, else once no segment was asked for during {@code idle}, with how many it fetched; -1 when
     * another filler holds the lock. A segment the store does not have (yet) is left out and looked for again on the
     * next ask; a failure is logged and left to restore_command, which then fetches the segment itself.
     */
    public int fill(WalStore store, String walFileName, int count, java.time.Duration idle) throws IOException {
        Files.createDirectories(dir);
        try (FileChannel lockFile = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = tryLock(lockFile)) {
            if (lock == null) {
                return -1;
            }
            // for the launcher, which takes segments without a JVM and cannot see this lock
            Files.writeString(dir.resolve(PID), Long.toString(ProcessHandle.current().pid()));
            WalSegmentSize size = WalRestore.expectedSegmentSize(store).map(WalSegmentSize::ofBytes)
                    .orElse(WalSegmentSize.DEFAULT);
            ExecutorService fetchers = Executors.newFixedThreadPool(MAX_PARALLEL_FETCHES);
            try {
                int fetched = 0;
                String base = later(walFileName, asked());
                while (true) {
                    fetched += fillOnce(store, base, count, size, fetchers);
                    if (idle.isZero()) {
                        return fetched;
                    }
                    String from = base;
                    long deadline = System.nanoTime() + idle.toNanos();
                    while (base.equals(from)) {
                        if (System.nanoTime() - deadline > 0 || !Files.isDirectory(dir)) {
                            return fetched;
                        }
                        Thread.sleep(ASK_POLL_MILLIS);
                        base = later(base, asked());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while prefetching", e);
            } finally {
                fetchers.shutdownNow();
                Files.deleteIfExists(dir.resolve(PID));
            }
        }
    }

    private int fillOnce(WalStore store, String base, int count, WalSegmentSize size, ExecutorService fetchers)
            throws IOException, InterruptedException {
        Set<String> wanted = new LinkedHashSet<>(following(base, count, size));
        removeAllBut(wanted);
        List<String> missing = wanted.stream().filter(n -> !Files.exists(dir.resolve(n))).toList();
        List<Future<Boolean>> fetches = new ArrayList<>();
        for (String name : missing) {
            // asked for meanwhile: restore_command fetches it itself, and it is gone from here already
            fetches.add(fetchers.submit(() -> !askedFor(name) && fetch(store, name)));
        }
        int fetched = 0;
        for (int i = 0; i < fetches.size(); i++) {
            try {
                fetched += fetches.get(i).get() ? 1 : 0;
            } catch (java.util.concurrent.ExecutionException e) {
                LoggerFactory.getLogger(PrefetchDirectory.class)
                        .warn("could not prefetch {}: {}", missing.get(i), e.getCause().getMessage());
            }
        }
        return fetched;
    }

    /**
     * Notes that restore_command asked for {@code walFileName}, so that a running filler moves on from it instead of
     * fetching what was just taken (or fetched without it). Written in place, as the launcher writes it: a reader
     * that meets it half written reads no name and looks again.
     */
    public void asked(String walFileName) throws IOException {
        if (WalRestore.isSegmentName(walFileName) && Files.isDirectory(dir)) {
            Files.writeString(dir.resolve(ASKED), walFileName);
        }
    }

    /** The segment last asked for, or null (none yet, or a name being written). */
    String asked() {
        try {
            String name = Files.readString(dir.resolve(ASKED)).strip();
            return WalRestore.isSegmentName(name) ? name : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Whether restore_command has asked for {@code name} or a later segment. Names order as recovery asks for them:
     * by timeline (the first eight digits), then by position, so a standby that switched to a newer timeline is past
     * every segment of the older one.
     */
    private boolean askedFor(String name) {
        String last = asked();
        return last != null && last.compareTo(name) >= 0;
    }

    /** The later of two segment names (a null {@code other}: {@code current}). */
    private static String later(String current, String other) {
        return other != null && other.compareTo(current) > 0 ? other : current;
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
