package io.walstream.archiver;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A WAL archive directory in pg_receivewal's layout: {@code TTTTTTTTXXXXXXXXYYYYYYYY[.gz|.lz4|.zst][.partial]}
 * segments and {@code TTTTTTTT.history} files, plus {@value #IDENTITY_FILE} (which cluster the archive
 * belongs to) and {@value #LOCK_FILE} (one receiver at a time). pg_receivewal ignores both.
 */
public final class ArchiveDirectory {

    public static final String IDENTITY_FILE = "walstream.identity";
    public static final String LOCK_FILE = "walstream.lock";

    /** The cluster an archive belongs to. */
    public record Identity(long systemId, WalSegmentSize segmentSize) {

        public String systemIdString() {
            return Long.toUnsignedString(systemId);
        }
    }

    /** Where to start streaming into this archive, by pg_receivewal's rules. */
    public record ResumePoint(int timeline, Lsn start, WalFileName from) {
    }

    private final Path dir;

    private ArchiveDirectory(Path dir) {
        this.dir = dir;
    }

    /** Opens {@code dir}, creating it (durably) if it does not exist. */
    public static ArchiveDirectory create(Path dir) {
        Durable.createDirectories(dir);
        return new ArchiveDirectory(dir.toAbsolutePath());
    }

    /** Opens an existing directory. */
    public static ArchiveDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ArchiveException("archive directory " + dir + " does not exist", dir, null);
        }
        return new ArchiveDirectory(dir.toAbsolutePath());
    }

    public Path path() {
        return dir;
    }

    public Path resolve(String fileName) {
        return dir.resolve(fileName);
    }

    // ------------------------------------------------------------------ identity

    public Optional<Identity> identity() {
        Path file = dir.resolve(IDENTITY_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
            return Optional.of(new Identity(Long.parseUnsignedLong(p.getProperty("system_identifier").trim()),
                    WalSegmentSize.ofBytes(Integer.parseInt(p.getProperty("wal_segment_size").trim()))));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        } catch (RuntimeException e) {
            throw new ArchiveException("archive identity file " + file + " is damaged (" + e.getMessage()
                    + "); it must hold system_identifier and wal_segment_size", file, null, e);
        }
    }

    /**
     * Records which cluster this archive holds, or checks that it is the same one. A directory
     * without an identity file (pg_receivewal's) is checked against its newest segment's header.
     *
     * @throws ArchiveException when the archive belongs to another cluster or segment size
     */
    public Identity bindTo(long systemId, WalSegmentSize segmentSize) {
        Identity wanted = new Identity(systemId, segmentSize);
        Optional<Identity> existing = identity();
        if (existing.isEmpty()) {
            existing = identityFromSegments(segmentSize);
        }
        if (existing.isPresent() && !existing.get().equals(wanted)) {
            Identity had = existing.get();
            throw new ArchiveException("archive " + dir + " holds WAL of database system " + had.systemIdString()
                    + " (" + had.segmentSize() + " segments), but the server is system " + wanted.systemIdString()
                    + " (" + segmentSize + " segments); use an empty directory for this server", dir, null);
        }
        if (!Files.exists(dir.resolve(IDENTITY_FILE))) {
            String text = "# walstream archive identity: which cluster this WAL belongs to\n"
                    + "system_identifier=" + wanted.systemIdString() + "\n"
                    + "wal_segment_size=" + segmentSize.bytes() + "\n";
            Durable.writeFile(dir.resolve(IDENTITY_FILE), text.getBytes(StandardCharsets.UTF_8));
        }
        return wanted;
    }

    /** The system identifier in the long page header of the newest uncompressed segment, if any. */
    Optional<Identity> identityFromSegments(WalSegmentSize segmentSize) {
        List<WalFileName> segments = segments(segmentSize);
        for (int i = segments.size() - 1; i >= 0; i--) {
            WalFileName name = segments.get(i);
            if (name.compression() != WalFileName.Compression.NONE) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(dir.resolve(name.toString()), StandardOpenOption.READ)) {
                ByteBuffer header = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
                while (header.hasRemaining() && ch.read(header) > 0) {
                    // read the long page header
                }
                if (header.hasRemaining() || header.getShort(0) == 0) {
                    continue; // empty .partial
                }
                return Optional.of(new Identity(header.getLong(24), WalSegmentSize.ofBytes(header.getInt(32))));
            } catch (IOException | IllegalArgumentException e) {
                // unreadable or implausible header: verify reports it; the identity check cannot use it
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ contents

    /** Every segment file, ordered by segment number, then timeline, then complete before partial. */
    public List<WalFileName> segments(WalSegmentSize segmentSize) {
        List<WalFileName> names = new ArrayList<>();
        for (String file : fileNames()) {
            if (WalFileName.isWalFileName(file)) {
                try {
                    names.add(WalFileName.parse(file, segmentSize));
                } catch (IllegalArgumentException e) {
                    // a name that is impossible for this segment size is not ours to resume from
                }
            }
        }
        names.sort(Comparator.comparingLong(WalFileName::segmentNumber)
                .thenComparing(WalFileName::timeline, Integer::compareUnsigned)
                .thenComparing(WalFileName::partial));
        return names;
    }

    /** Timelines with a history file here, ascending. */
    public List<Integer> historyTimelines() {
        List<Integer> tlis = new ArrayList<>();
        for (String file : fileNames()) {
            if (WalFileName.isHistoryFileName(file)) {
                tlis.add(WalFileName.parseHistoryFileName(file));
            }
        }
        tlis.sort(Integer::compareUnsigned);
        return tlis;
    }

    public boolean hasHistory(int timeline) {
        return Files.exists(dir.resolve(WalFileName.historyFileName(timeline)));
    }

    /** Writes a timeline history file durably (it is small and never changes once written). */
    public void writeHistory(int timeline, byte[] content) {
        Durable.writeFile(dir.resolve(WalFileName.historyFileName(timeline)), content);
    }

    /**
     * pg_receivewal's FindStreamingStart: the newest segment (highest number, then highest
     * timeline, a complete one winning over a partial); streaming resumes at the start of a
     * {@code .partial} or just after a complete segment, on that segment's timeline.
     *
     * <p>One difference: if an older segment of that timeline is only a {@code .partial}, streaming
     * resumes at its start instead. The writer opens the next segment while the flusher is still
     * fsyncing and renaming the one just finished, so a crash then leaves two {@code .partial} files;
     * resuming after the newer one would leave the older one incomplete for ever, and the part of it
     * that was never reported flushed possibly never fsynced.
     */
    public Optional<ResumePoint> resumePoint(WalSegmentSize segmentSize) {
        List<WalFileName> segments = segments(segmentSize);
        WalFileName newest = null;
        for (WalFileName name : segments) {
            if (newest == null || name.segmentNumber() > newest.segmentNumber()
                    || name.segmentNumber() == newest.segmentNumber()
                    && (Integer.compareUnsigned(name.timeline(), newest.timeline()) > 0
                    || name.timeline() == newest.timeline() && newest.partial() && !name.partial())) {
                newest = name;
            }
        }
        if (newest == null) {
            return Optional.empty();
        }
        Optional<WalFileName> unfinished = oldestUnfinished(segments, newest);
        if (unfinished.isPresent()) {
            return Optional.of(new ResumePoint(newest.timeline(), unfinished.get().startLsn(), unfinished.get()));
        }
        Lsn start = newest.partial() ? newest.startLsn() : newest.endLsn();
        return Optional.of(new ResumePoint(newest.timeline(), start, newest));
    }

    /** The lowest segment of {@code newest}'s timeline, below it, that is there only as a {@code .partial}. */
    private static Optional<WalFileName> oldestUnfinished(List<WalFileName> segments, WalFileName newest) {
        java.util.Set<Long> complete = new java.util.HashSet<>();
        for (WalFileName name : segments) {
            if (name.timeline() == newest.timeline() && !name.partial()) {
                complete.add(name.segmentNumber());
            }
        }
        for (WalFileName name : segments) { // ascending segment numbers
            if (name.timeline() == newest.timeline() && name.partial()
                    && name.segmentNumber() < newest.segmentNumber() && !complete.contains(name.segmentNumber())) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private List<String> fileNames() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list archive directory " + dir, e);
        }
    }

    // ------------------------------------------------------------------ locking

    /**
     * Takes the receiver lock: only one {@code walstream receive} may write a directory.
     *
     * @throws ArchiveException when another process holds it
     */
    public AutoCloseable lockForWriting() {
        Path file = dir.resolve(LOCK_FILE);
        try {
            FileChannel ch = Durable.openPrivate(file, StandardOpenOption.READ);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new ArchiveException("another walstream receive is writing " + dir + " (" + LOCK_FILE
                        + " is locked)", file, null);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
            FileLock held = lock;
            return () -> {
                held.release();
                ch.close();
            };
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock " + file, e);
        }
    }

    /** True when a receiver holds the lock right now. */
    public boolean isLockedByReceiver() {
        Path file = dir.resolve(LOCK_FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
