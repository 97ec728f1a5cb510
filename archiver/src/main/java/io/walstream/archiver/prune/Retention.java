package io.walstream.archiver.prune;

import io.walstream.archiver.pipeline.ReceiptLog;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalStore;
import io.walstream.archiver.store.WalStore.StoredFile;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code walstream prune}: which archived files go before a {@link Cutoff}, and removing them, through
 * {@link WalStore} alone, so a directory and object storage are pruned alike.
 *
 * <p>The rules, as pg_archivecleanup and WAL-G's delete apply them, and stricter:
 * <ul>
 *   <li>Complete segments (any compression) go when their log/seg part is below the boundary, whatever their
 *       timeline. The boundary is the cut-off's segment, or for {@link Cutoff.OlderThan} the lowest complete segment
 *       written at or after the cut-off time: what goes is always a prefix, so a prune never leaves a hole.</li>
 *   <li>The boundary never passes the newest segment of the newest timeline, nor where a receiver resumes
 *       ({@link WalStore#resumePoint}): the segment being received and what a resuming receiver rewrites stay.</li>
 *   <li>A {@code .partial} is removed only when it is the end of a timeline that has ended (a later timeline has
 *       a history file) and lies below the boundary: the segment a receiver left at a timeline switch, whose WAL
 *       up to the switch the next timeline's segment holds too. Any other {@code .partial} is being received, or
 *       is where a receiver resumes, and stays.</li>
 *   <li>Timeline history files are all kept: they are small, and one is needed as long as any later timeline's
 *       history names it, which is as long as the archive is used.</li>
 *   <li>Backup history files and receipt logs ({@code receive --receipt-log}) go with their segment: when they are
 *       before the cut-off and no file of their segment stays.</li>
 *   <li>Anything else ({@value ArchiveDirectory#IDENTITY_FILE}, {@value ArchiveDirectory#LOCK_FILE}, temporary
 *       files) is not touched.</li>
 * </ul>
 * Files are removed oldest first, so an interrupted prune leaves a shorter archive, never one with a hole; running it
 * again finishes the job. A receiver may write the archive meanwhile.
 */
public final class Retention {

    /** What a removed file is. */
    public enum Kind {
        SEGMENT, BACKUP_HISTORY, RECEIPT_LOG
    }

    /** A file a prune removes: its name in its store, its size as stored, when it was last written. */
    public record Removal(String name, Kind kind, long bytes, Instant modified) {

        /** The file as a user finds it in the archive: receipt logs are in their subdirectory. */
        public String path() {
            return kind == Kind.RECEIPT_LOG ? ReceiptLog.DIRECTORY + "/" + name : name;
        }
    }

    /**
     * What a prune removes.
     *
     * @param removals          oldest first: by log/seg, then timeline, then segments before what goes with them
     * @param firstKeptSegment  the oldest complete segment that stays; empty when none does
     * @param historyFilesKept  timeline history files in the store, all kept
     * @param partialsKept      {@code .partial} files in the store, all kept
     */
    public record Plan(Cutoff cutoff, List<Removal> removals, Optional<String> firstKeptSegment, int historyFilesKept,
            int partialsKept) {

        public Plan {
            removals = List.copyOf(removals);
        }

        /** Bytes the removals free, as stored. */
        public long bytes() {
            return removals.stream().mapToLong(Removal::bytes).sum();
        }

        public long count(Kind kind) {
            return removals.stream().filter(r -> r.kind() == kind).count();
        }
    }

    private static final int TIMELINE_DIGITS = 8;
    private static final int SEGMENT_NAME_LENGTH = 24;
    private static final String PARTIAL = ".partial";
    /** Files removed per store call: one directory fsync, or one S3 DeleteObjects request (which takes 1000). */
    private static final int REMOVAL_BATCH = 1000;

    private final WalStore wal;
    private final Optional<WalStore> receipts;

    /**
     * @param receipts the archive's receipt logs, when it has some within reach (an archive directory's
     *                 {@link ReceiptLog#storeOf})
     */
    public Retention(WalStore wal, Optional<WalStore> receipts) {
        this.wal = wal;
        this.receipts = receipts;
    }

    /** What a prune at {@code cutoff} removes now. Reads only. */
    public Plan plan(Cutoff cutoff) throws IOException {
        WalSegmentSize size = orderingSize();
        // Before listing: files that appear meanwhile are newer, so the cap only errs on the side of keeping.
        Optional<String> resumeFrom = wal.resumePoint(size).map(r -> r.from().segmentName());
        List<StoredFile> files = wal.list();
        List<StoredFile> segments = files.stream().filter(f -> isSegmentOfThisArchive(f.name(), size)).toList();
        int histories = (int) files.stream().filter(f -> WalFileName.isHistoryFileName(f.name())).count();
        int partials = (int) segments.stream().filter(f -> f.name().endsWith(PARTIAL)).count();

        Optional<String> newest = segments.stream().map(f -> segmentName(f.name())).max(Comparator.naturalOrder());
        if (newest.isEmpty()) {
            return new Plan(cutoff, List.of(), Optional.empty(), histories, partials);
        }
        String cap = min(logSeg(newest.get()), resumeFrom.map(Retention::logSeg).orElse(logSeg(newest.get())));
        String boundary = boundary(cutoff, segments, cap);

        List<Removal> removals = new ArrayList<>();
        Set<String> staying = new HashSet<>();
        Optional<String> firstKept = Optional.empty();
        int newestTimeline = newestTimeline(files, segments);
        for (StoredFile f : segments) {
            boolean partial = f.name().endsWith(PARTIAL);
            boolean below = logSeg(f.name()).compareTo(boundary) < 0;
            if (below && (!partial || Integer.compareUnsigned(timelineOf(f.name()), newestTimeline) < 0)) {
                removals.add(new Removal(f.name(), Kind.SEGMENT, f.size(), f.modified()));
                continue;
            }
            staying.add(segmentName(f.name()));
            if (!partial && (firstKept.isEmpty() || olderFirst(f.name(), firstKept.get()) < 0)) {
                firstKept = Optional.of(f.name());
            }
        }
        for (StoredFile f : files) {
            if (WalFileName.isBackupHistoryFileName(f.name()) && goesWithItsSegment(f, boundary, staying, cutoff)) {
                removals.add(new Removal(f.name(), Kind.BACKUP_HISTORY, f.size(), f.modified()));
            }
        }
        if (receipts.isPresent()) {
            for (StoredFile f : receipts.get().list()) {
                if (f.name().length() == SEGMENT_NAME_LENGTH && isSegmentOfThisArchive(f.name(), size)
                        && goesWithItsSegment(f, boundary, staying, cutoff)) {
                    removals.add(new Removal(f.name(), Kind.RECEIPT_LOG, f.size(), f.modified()));
                }
            }
        }
        removals.sort(Comparator.comparing((Removal r) -> segmentName(r.name()), Retention::olderFirst)
                .thenComparing(Removal::kind).thenComparing(Removal::name));
        return new Plan(cutoff, removals, firstKept, histories, partials);
    }

    /** The newest timeline the archive knows: of its segments and its history files. */
    private static int newestTimeline(List<StoredFile> files, List<StoredFile> segments) {
        int newest = 1;
        for (StoredFile f : files) {
            int tli = WalFileName.isHistoryFileName(f.name()) ? WalFileName.parseHistoryFileName(f.name())
                    : segments.contains(f) ? timelineOf(f.name()) : 1;
            newest = Integer.compareUnsigned(tli, newest) > 0 ? tli : newest;
        }
        return newest;
    }

    private static int timelineOf(String segmentFile) {
        return Integer.parseUnsignedInt(segmentFile, 0, 8, 16);
    }

    /**
     * Removes what {@code plan} lists, oldest first, telling {@code removed} after each file is gone.
     *
     * @throws IOException from the store, with the files before it removed (and reported) and the rest still there
     */
    public void remove(Plan plan, Consumer<Removal> removed) throws IOException {
        List<Removal> batch = new ArrayList<>();
        WalStore batchStore = null;
        for (Removal r : plan.removals()) {
            WalStore store = r.kind() == Kind.RECEIPT_LOG ? receipts.orElseThrow() : wal;
            if (store != batchStore || batch.size() == REMOVAL_BATCH) {
                removeBatch(batchStore, batch, removed);
                batchStore = store;
            }
            batch.add(r);
        }
        removeBatch(batchStore, batch, removed);
    }

    /** Oldest first still holds: a batch is consecutive removals from one store, reported once it is gone. */
    private static void removeBatch(WalStore store, List<Removal> batch, Consumer<Removal> removed) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        try {
            store.deleteAll(batch.stream().map(Removal::name).toList());
        } catch (IOException e) {
            for (Removal r : batch) { // tell what is gone before the failure
                if (store.stat(r.name()).isEmpty()) {
                    removed.accept(r);
                }
            }
            throw e;
        }
        batch.forEach(removed);
        batch.clear();
    }

    /**
     * The log/seg part below which complete segments go: the cut-off's own, or the oldest complete segment not
     * older than the cut-off time; never past {@code cap}.
     */
    private static String boundary(Cutoff cutoff, List<StoredFile> segments, String cap) {
        if (cutoff instanceof Cutoff.BeforeSegment before) {
            return min(before.logSeg(), cap);
        }
        Instant time = ((Cutoff.OlderThan) cutoff).time();
        String boundary = cap;
        for (StoredFile f : segments) {
            if (!f.name().endsWith(PARTIAL) && !f.modified().isBefore(time)) {
                boundary = min(boundary, logSeg(f.name()));
            }
        }
        return boundary;
    }

    private static boolean goesWithItsSegment(StoredFile f, String boundary, Set<String> staying, Cutoff cutoff) {
        // Below the boundary is before a segment cut-off; a time cut-off also asks the file's own age.
        boolean beforeCutoff = !(cutoff instanceof Cutoff.OlderThan older) || f.modified().isBefore(older.time());
        return beforeCutoff && logSeg(f.name()).compareTo(boundary) < 0 && !staying.contains(segmentName(f.name()));
    }

    /**
     * The archive's segment size; without an identity file the smallest, whose numbering admits every name any
     * segment size can have and orders them alike.
     */
    private WalSegmentSize orderingSize() {
        return wal.identity().map(ArchiveDirectory.Identity::segmentSize)
                .orElse(WalSegmentSize.ofBytes(WalSegmentSize.MIN_BYTES));
    }

    /** A segment file name possible for the archive's segment size (others are not its segments; left alone). */
    private static boolean isSegmentOfThisArchive(String name, WalSegmentSize size) {
        if (!WalFileName.isWalFileName(name)) {
            return false;
        }
        try {
            WalFileName.parse(name, size);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String segmentName(String name) {
        return name.substring(0, SEGMENT_NAME_LENGTH);
    }

    /** The 16 hex digits after the timeline: fixed-width upper-case hex, so string order is segment order. */
    private static String logSeg(String name) {
        return name.substring(TIMELINE_DIGITS, SEGMENT_NAME_LENGTH);
    }

    /** By log/seg, then timeline, then the rest of the name. */
    private static int olderFirst(String a, String b) {
        int c = logSeg(a).compareTo(logSeg(b));
        if (c == 0) {
            c = a.substring(0, TIMELINE_DIGITS).compareTo(b.substring(0, TIMELINE_DIGITS));
        }
        return c != 0 ? c : a.compareTo(b);
    }

    private static String min(String a, String b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
