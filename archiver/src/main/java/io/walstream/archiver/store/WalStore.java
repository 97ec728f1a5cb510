package io.walstream.archiver.store;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where archived WAL lives, as pg_receivewal's walmethods.c puts its writes behind one function table: the archive
 * directory ({@link ArchiveDirectory}) and object storage implement it, and restore, verify, status, serve and prune
 * read through it without knowing which one they have.
 *
 * <p>Names are file names in pg_receivewal's layout ({@code TTTTTTTTXXXXXXXXYYYYYYYY[.gz|.lz4|.zst][.partial]},
 * {@code TTTTTTTT.history}, {@code *.backup}, {@value ArchiveDirectory#IDENTITY_FILE}), never paths: callers check
 * a name before it reaches a store. Reading is safe while a receiver writes the store; a file may then disappear
 * between {@link #list()} and {@link #open} (a {@code .partial} renamed, a plain segment compressed), which
 * {@link java.nio.file.NoSuchFileException} tells.
 *
 * <p>The receiver's own writes (a segment growing, fsync by fsync) stay on the local directory, which is also the
 * spool for a remote store: only whole files are {@link #put} here.
 */
public interface WalStore extends Closeable {

    /** A stored file: its name, its size in bytes as stored (compressed if its name says so), when last written. */
    record StoredFile(String name, long size, Instant modified) {
    }

    /** How {@link #put} ended. */
    enum PutOutcome {
        /** The file is now stored. */
        STORED,
        /** The same bytes were already stored under that name (a retry, or a second upload): nothing changed. */
        ALREADY_STORED
    }

    /** The store as a user names it: a directory path or {@code s3://bucket/prefix}. */
    String location();

    /** Every file in the store, in no particular order. */
    List<StoredFile> list() throws IOException;

    /** One file, or empty when there is none of that name. */
    Optional<StoredFile> stat(String name) throws IOException;

    /**
     * The file's bytes as stored (still compressed when the name has a compression suffix).
     *
     * @throws java.nio.file.NoSuchFileException when there is no such file
     */
    InputStream open(String name) throws IOException;

    /** The file on the local file system, for zero-copy transfers; empty for a remote store. */
    default Optional<Path> localFile(String name) {
        return Optional.empty();
    }

    /**
     * Stores {@code source} (a whole, durable local file) as {@code name}, atomically: readers see all of it or none.
     * An archived file is never replaced by different bytes.
     *
     * @throws StoreConflictException when {@code name} already holds different bytes
     */
    PutOutcome put(String name, Path source) throws IOException;

    /**
     * A {@link #put} of {@code source} follows soon: a store may start on it ahead (read and checksum the file) so
     * the put waits less. Only a hint; nothing changes when no put follows.
     */
    default void willPut(Path source) {
    }

    /** Removes a file; no error when it is already gone. */
    void delete(String name) throws IOException;

    /**
     * Removes several files, as {@link #delete} each; a store may make it one round trip or one directory sync.
     * On an exception some of them may be gone and the others still there.
     */
    default void deleteAll(List<String> names) throws IOException {
        for (String name : names) {
            delete(name);
        }
    }

    /** True when a receiver is writing this store right now (its newest {@code .partial} may grow). */
    default boolean receiverActive() {
        return false;
    }

    @Override
    default void close() throws IOException {
    }

    // ------------------------------------------------------------------ what the names say, whatever the store

    /** The cluster this store's WAL belongs to, from its {@value ArchiveDirectory#IDENTITY_FILE}, if it has one. */
    default Optional<ArchiveDirectory.Identity> identity() {
        try (InputStream in = open(ArchiveDirectory.IDENTITY_FILE)) {
            return Optional.of(ArchiveDirectory.Identity.parse(in.readAllBytes(), location()));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + ArchiveDirectory.IDENTITY_FILE + " in " + location(), e);
        }
    }

    /** Every file name, as {@link #list()} without the sizes. */
    default List<String> names() {
        try {
            return list().stream().map(StoredFile::name).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + location(), e);
        }
    }

    /** Every segment file, ordered by segment number, then timeline, then complete before partial. */
    default List<WalFileName> segments(WalSegmentSize segmentSize) {
        List<WalFileName> segments = new ArrayList<>();
        for (String file : names()) {
            if (WalFileName.isWalFileName(file)) {
                try {
                    segments.add(WalFileName.parse(file, segmentSize));
                } catch (IllegalArgumentException e) {
                    // a name that is impossible for this segment size is not a segment of this archive
                }
            }
        }
        segments.sort(Comparator.comparingLong(WalFileName::segmentNumber)
                .thenComparing(WalFileName::timeline, Integer::compareUnsigned)
                .thenComparing(WalFileName::partial));
        return segments;
    }

    /** Timelines with a history file here, ascending. */
    default List<Integer> historyTimelines() {
        List<Integer> timelines = new ArrayList<>();
        for (String file : names()) {
            if (WalFileName.isHistoryFileName(file)) {
                timelines.add(WalFileName.parseHistoryFileName(file));
            }
        }
        timelines.sort(Integer::compareUnsigned);
        return timelines;
    }

    default boolean hasHistory(int timeline) {
        try {
            return stat(WalFileName.historyFileName(timeline)).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException("could not look up " + WalFileName.historyFileName(timeline)
                    + " in " + location(), e);
        }
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
    default Optional<ArchiveDirectory.ResumePoint> resumePoint(WalSegmentSize segmentSize) {
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
            return Optional.of(new ArchiveDirectory.ResumePoint(newest.timeline(), unfinished.get().startLsn(),
                    unfinished.get()));
        }
        return Optional.of(new ArchiveDirectory.ResumePoint(newest.timeline(),
                newest.partial() ? newest.startLsn() : newest.endLsn(), newest));
    }

    /** The lowest segment of {@code newest}'s timeline, below it, that is there only as a {@code .partial}. */
    private static Optional<WalFileName> oldestUnfinished(List<WalFileName> segments, WalFileName newest) {
        Set<Long> complete = new HashSet<>();
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
}
