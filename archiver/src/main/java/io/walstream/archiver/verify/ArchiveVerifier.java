package io.walstream.archiver.verify;

import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.TimelinePlan;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.SegmentFiles;
import io.walstream.archiver.store.WalStore;

import io.walstream.archiver.verify.VerifyReport.Finding;
import io.walstream.archiver.verify.VerifyReport.Kind;
import io.walstream.archiver.verify.VerifyReport.Severity;
import io.walstream.archiver.verify.VerifyReport.TimelineSummary;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.TimelineHistory;
import io.walstream.protocol.TimelineHistoryException;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalFormatException;
import io.walstream.protocol.wal.WalStreamVerifier;
import io.walstream.protocol.wal.XLogPageHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks an archive directory the way recovery would read it: identity, timeline histories, gaps along the newest
 * timeline's history, segment sizes, and every page header and record CRC-32C of every segment, with records that
 * cross segment edges checked across consecutive files of a timeline.
 *
 * <pre>{@code
 * VerifyReport report = ArchiveVerifier.verify(dir);
 * if (!report.clean()) { report.findings().forEach(System.err::println); }
 * }</pre>
 *
 * Segments are streamed through one {@link WalStreamVerifier} per timeline, 64 KiB at a time, so memory does not
 * grow with the archive or the segment size. The directory is only read; a receiver may be writing it meanwhile
 * (its newest {@code .partial} is then checked up to wherever the WAL ends when it is read).
 */
public final class ArchiveVerifier {

    private static final Logger log = LoggerFactory.getLogger(ArchiveVerifier.class);
    private static final int CHUNK = 64 * 1024;

    /**
     * @param checkRecords false to check only names, sizes, histories and gaps, without reading segment contents
     */
    public record Options(boolean checkRecords) {

        public static final Options DEFAULTS = new Options(true);
    }

    private final WalStore archive;
    private final Options options;
    private final List<Finding> findings = new ArrayList<>();
    private final byte[] buffer = new byte[CHUNK];
    private final Map<Integer, TimelineHistory> histories = new TreeMap<>(Integer::compareUnsigned);
    private final Map<Integer, Lsn> verifiedEnds = new HashMap<>();

    private WalSegmentSize segmentSize = WalSegmentSize.DEFAULT;
    private boolean receiverRunning;
    private long systemId;
    private int major;
    private long recordsVerified;
    private long bytesRead;

    private ArchiveVerifier(WalStore archive, Options options) {
        this.archive = archive;
        this.options = options;
    }

    /**
     * Verifies {@code dir} with the default options.
     *
     * @throws ArchiveException if {@code dir} is not a directory
     */
    public static VerifyReport verify(Path dir) {
        return verify(dir, Options.DEFAULTS);
    }

    /**
     * Verifies {@code dir}.
     *
     * @throws ArchiveException      if {@code dir} is not a directory
     * @throws UncheckedIOException  if it cannot be listed
     */
    public static VerifyReport verify(Path dir, Options options) {
        return verify(ArchiveDirectory.open(dir), options);
    }

    /** Verifies the archive in {@code store}, wherever it lives. */
    public static VerifyReport verify(WalStore store, Options options) {
        return new ArchiveVerifier(store, options).run();
    }

    private VerifyReport run() {
        long t0 = System.nanoTime();
        receiverRunning = archive.receiverActive();
        Optional<ArchiveDirectory.Identity> fileIdentity = readIdentity();
        ArchiveDirectory.Identity identity = probeHeaders(fileIdentity);
        List<WalFileName> segments = archive.segments(segmentSize);
        if (segments.isEmpty()) {
            add(Severity.WARNING, Kind.EMPTY, null, null, "no WAL segments in " + archive.location());
        }
        readHistories();
        int target = newestTimeline(segments);
        checkHistories(segments, target);
        TimelinePlan plan = plan(target);
        if (plan != null) {
            checkGaps(plan, segments);
        } else {
            checkGapsPerTimeline(segments);
        }
        if (options.checkRecords()) {
            verifySegments(segments);
        }
        int complete = 0;
        int partial = 0;
        int compressed = 0;
        for (WalFileName name : segments) {
            if (name.partial()) {
                partial++;
            } else {
                complete++;
            }
            if (name.compression() != WalFileName.Compression.NONE) {
                compressed++;
            }
        }
        VerifyReport report = new VerifyReport(archive.location(), identity, fileIdentity.isPresent(), major,
            summaries(segments, plan), segments.size(), complete, partial, compressed, recordsVerified, bytesRead,
            findings);
        log.debug("verified {} in {} ms: {} segments, {} records, {} errors, {} warnings", archive.location(),
            (System.nanoTime() - t0) / 1_000_000, segments.size(), recordsVerified, report.errorCount(),
            report.warningCount());
        return report;
    }

    // ------------------------------------------------------------------ identity

    private Optional<ArchiveDirectory.Identity> readIdentity() {
        try {
            Optional<ArchiveDirectory.Identity> identity = archive.identity();
            if (identity.isEmpty()) {
                add(Severity.WARNING, Kind.IDENTITY_MISSING, ArchiveDirectory.IDENTITY_FILE, null,
                    "no identity file (a pg_receivewal directory?); the system identifier is taken from the segments");
            }
            return identity;
        } catch (ArchiveException | UncheckedIOException e) {
            add(Severity.ERROR, Kind.IDENTITY_INVALID, ArchiveDirectory.IDENTITY_FILE, null, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Takes the system identifier, segment size and page magic from the first segment (by name) with a plausible
     * long page header, and checks the identity file against it. Every segment is later held to these values.
     */
    private ArchiveDirectory.Identity probeHeaders(Optional<ArchiveDirectory.Identity> fileIdentity) {
        fileIdentity.ifPresent(id -> segmentSize = id.segmentSize());
        List<String> names = archive.names().stream().filter(WalFileName::isWalFileName).sorted().toList();
        for (String name : names) {
            XLogPageHeader header = readLongHeader(name);
            if (header == null || !header.isLong() || header.major() < 0) {
                continue;
            }
            WalSegmentSize headerSize;
            try {
                headerSize = WalSegmentSize.ofBytes(header.segmentSize());
            } catch (IllegalArgumentException e) {
                continue;
            }
            ArchiveDirectory.Identity fromHeader = new ArchiveDirectory.Identity(header.systemIdentifier(), headerSize);
            if (fileIdentity.isPresent() && !fileIdentity.get().equals(fromHeader)) {
                ArchiveDirectory.Identity had = fileIdentity.get();
                add(Severity.ERROR, Kind.IDENTITY_MISMATCH, name, null, ArchiveDirectory.IDENTITY_FILE
                    + " names database system " + had.systemIdString() + " (" + had.segmentSize()
                    + " segments), but " + name + " is from system " + fromHeader.systemIdString() + " ("
                    + headerSize + " segments)");
            }
            segmentSize = headerSize;
            systemId = header.systemIdentifier();
            major = header.major();
            return fileIdentity.orElse(fromHeader);
        }
        if (!names.isEmpty()) {
            add(Severity.ERROR, Kind.WAL_DEFECT, names.get(0), null,
                "no segment starts with a valid long page header; records cannot be verified");
        }
        return fileIdentity.orElse(null);
    }

    private XLogPageHeader readLongHeader(String file) {
        byte[] header = new byte[XLogPageHeader.LONG_SIZE];
        try (InputStream in = SegmentFiles.openDecompressed(archive, file)) {
            if (in.readNBytes(header, 0, header.length) < header.length) {
                return null;
            }
            return XLogPageHeader.parse(header, 0);
        } catch (IOException | RuntimeException e) {
            return null; // reported when the segment itself is verified
        }
    }

    // ------------------------------------------------------------------ histories

    private byte[] readAll(String name) throws IOException {
        try (InputStream in = archive.open(name)) {
            return in.readAllBytes();
        }
    }

    private void readHistories() {
        for (int tli : archive.historyTimelines()) {
            String name = WalFileName.historyFileName(tli);
            try {
                histories.put(tli, TimelineHistory.parse(tli, readAll(name)));
            } catch (TimelineHistoryException e) {
                add(Severity.ERROR, Kind.HISTORY_INVALID, name, null, e.getMessage());
            } catch (IOException e) {
                add(Severity.ERROR, Kind.UNREADABLE, name, null, "could not read " + name + ": " + e);
            }
        }
    }

    private int newestTimeline(List<WalFileName> segments) {
        int newest = 1;
        for (WalFileName name : segments) {
            newest = Integer.compareUnsigned(name.timeline(), newest) > 0 ? name.timeline() : newest;
        }
        for (int tli : archive.historyTimelines()) {
            newest = Integer.compareUnsigned(tli, newest) > 0 ? tli : newest;
        }
        return newest;
    }

    private void checkHistories(List<WalFileName> segments, int target) {
        TreeSet<Integer> needed = new TreeSet<>(Integer::compareUnsigned);
        segments.forEach(s -> needed.add(s.timeline()));
        needed.add(target);
        for (int tli : needed) {
            String name = WalFileName.historyFileName(tli);
            if (tli != 1 && !histories.containsKey(tli) && !archive.hasHistory(tli)) {
                add(Severity.ERROR, Kind.HISTORY_MISSING, name, null, "timeline " + Integer.toUnsignedString(tli)
                    + " has segments but no history file " + name + "; where it branched off is unknown");
            }
        }
        // Where two histories share an ancestor, they must agree on everything up to it.
        for (TimelineHistory later : histories.values()) {
            for (TimelineHistory earlier : histories.values()) {
                if (Integer.compareUnsigned(earlier.timeline(), later.timeline()) >= 0
                    || !later.contains(earlier.timeline())) {
                    continue;
                }
                List<TimelineHistory.Entry> prefix = later.entries().stream()
                    .filter(e -> Integer.compareUnsigned(e.timeline(), earlier.timeline()) < 0).toList();
                if (!sameSwitchPoints(prefix, earlier.entries())) {
                    add(Severity.ERROR, Kind.HISTORY_INCONSISTENT, WalFileName.historyFileName(later.timeline()), null,
                        "the ancestors of timeline " + Integer.toUnsignedString(earlier.timeline()) + " in "
                        + WalFileName.historyFileName(later.timeline()) + " " + describe(prefix) + " differ from "
                        + WalFileName.historyFileName(earlier.timeline()) + " " + describe(earlier.entries()));
                }
            }
        }
    }

    private static boolean sameSwitchPoints(List<TimelineHistory.Entry> a, List<TimelineHistory.Entry> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).timeline() != b.get(i).timeline() || !a.get(i).switchPoint().equals(b.get(i).switchPoint())) {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<TimelineHistory.Entry> entries) {
        StringBuilder sb = new StringBuilder("[");
        for (TimelineHistory.Entry e : entries) {
            sb.append(sb.length() > 1 ? ", " : "").append(Integer.toUnsignedString(e.timeline())).append(" until ")
                .append(e.switchPoint());
        }
        return sb.append(']').toString();
    }

    /** The newest timeline's history as owner ranges, or null if it is unknown (missing or damaged history). */
    private TimelinePlan plan(int target) {
        if (target == 1) {
            return TimelinePlan.of(TimelineHistory.initial(), segmentSize);
        }
        TimelineHistory history = histories.get(target);
        return history == null ? null : TimelinePlan.of(history, segmentSize);
    }

    // ------------------------------------------------------------------ gaps

    /** Presence of segment files: segment number, then timeline, then kinds. */
    private static final class Presence {
        final TreeMap<Long, Map<Integer, int[]>> bySegment = new TreeMap<>();

        Presence(List<WalFileName> names) {
            for (WalFileName n : names) {
                int[] counts = bySegment.computeIfAbsent(n.segmentNumber(), k -> new HashMap<>())
                    .computeIfAbsent(n.timeline(), k -> new int[2]);
                counts[n.partial() ? 1 : 0]++;
            }
        }

        boolean complete(int tli, long segment) {
            int[] c = bySegment.getOrDefault(segment, Map.of()).get(tli);
            return c != null && c[0] > 0;
        }

        boolean any(int tli, long segment) {
            return bySegment.getOrDefault(segment, Map.of()).containsKey(tli);
        }
    }

    private void checkGaps(TimelinePlan plan, List<WalFileName> segments) {
        List<WalFileName> onPath = new ArrayList<>();
        for (WalFileName name : segments) {
            if (plan.onPath(name.timeline(), name.segmentNumber())) {
                onPath.add(name);
            } else {
                TimelinePlan.Span span = plan.span(name.timeline());
                int target = plan.spans().get(plan.spans().size() - 1).timeline();
                String why = span == null ? "timeline " + Integer.toUnsignedString(name.timeline())
                    + " is not in the history of timeline " + Integer.toUnsignedString(target)
                    : span.end() != null && name.segmentNumber() > span.lastSegment()
                    ? "timeline " + Integer.toUnsignedString(name.timeline()) + " ended at " + span.end()
                    + " in the history of timeline " + Integer.toUnsignedString(target)
                    : "timeline " + Integer.toUnsignedString(name.timeline()) + " began at " + span.begin();
                add(Severity.WARNING, Kind.OFF_HISTORY, name.toString(), name.startLsn(), "segment not read by"
                    + " recovery along the newest timeline: " + why);
            }
        }
        if (onPath.isEmpty()) {
            return;
        }
        Presence presence = new Presence(onPath);
        long last = presence.bySegment.lastKey();
        Gaps gaps = new Gaps();
        long s = presence.bySegment.firstKey();
        while (s <= last) {
            if (!presence.bySegment.containsKey(s)) {
                // No file at all up to the next present segment: missing on whichever timeline owns each.
                long next = presence.bySegment.higherKey(s);
                for (long m = s; m < next; ) {
                    int owner = plan.owner(m);
                    long runEnd = next - 1;
                    for (TimelinePlan.Span span : plan.spans()) {
                        if (span.firstSegment() > m && span.firstSegment() <= runEnd) {
                            runEnd = span.firstSegment() - 1;
                        }
                    }
                    gaps.missing(owner, m, runEnd);
                    m = runEnd + 1;
                }
                s = next;
                continue;
            }
            int owner = plan.owner(s);
            long segment = s;
            if (presence.complete(owner, s)) {
                gaps.flush();
            } else if (s == last && (presence.any(owner, s) || plan.spans().stream().anyMatch(span ->
                span.end() != null && span.lastSegment() == segment && presence.any(span.timeline(), segment)))) {
                // The newest segment may still be in progress, on the owner or on the timeline that ends in it.
                gaps.flush();
            } else if (receiverRunning && s == last - 1 && presence.any(owner, s) && presence.any(owner, last)) {
                // A running receiver completes a segment only once the record crossing its end is verified,
                // so the one before the newest may still be a .partial for a moment.
                gaps.flush();
            } else if (presence.any(owner, s)) {
                gaps.flush();
                WalFileName partial = WalFileName.of(owner, s, segmentSize).withPartial(true);
                add(Severity.ERROR, Kind.INCOMPLETE_SEGMENT, partial.toString(), partial.startLsn(),
                    "only a .partial of " + partial.segmentName() + " is archived, but later WAL is: the WAL from "
                    + partial.startLsn() + " to " + partial.endLsn() + " cannot be restored whole");
            } else {
                gaps.missing(owner, s, s);
            }
            s++;
        }
        gaps.flush();
    }

    /** Merges adjacent missing segments of one timeline into one finding. */
    private final class Gaps {
        private int owner;
        private long from = -1;
        private long to;

        void missing(int timeline, long first, long lastMissing) {
            if (from >= 0 && (timeline != owner || first != to + 1)) {
                flush();
            }
            if (from < 0) {
                owner = timeline;
                from = first;
            }
            to = lastMissing;
        }

        void flush() {
            if (from >= 0) {
                gap(owner, from, to);
                from = -1;
            }
        }
    }

    /** Without the newest timeline's history, each timeline is checked for holes on its own. */
    private void checkGapsPerTimeline(List<WalFileName> segments) {
        Map<Integer, List<WalFileName>> byTimeline = byTimeline(segments);
        for (List<WalFileName> names : byTimeline.values()) {
            Presence presence = new Presence(names);
            long last = presence.bySegment.lastKey();
            long expected = presence.bySegment.firstKey();
            int tli = names.get(0).timeline();
            for (long s : presence.bySegment.keySet()) {
                if (s > expected) {
                    gap(tli, expected, s - 1);
                }
                if (s != last && !presence.complete(tli, s) && !(receiverRunning && s == last - 1)) {
                    WalFileName partial = WalFileName.of(tli, s, segmentSize).withPartial(true);
                    add(Severity.ERROR, Kind.INCOMPLETE_SEGMENT, partial.toString(), partial.startLsn(),
                        "only a .partial of " + partial.segmentName() + " is archived, but later WAL on its timeline is");
                }
                expected = s + 1;
            }
        }
    }

    private void gap(int timeline, long from, long to) {
        WalFileName first = WalFileName.of(timeline, from, segmentSize);
        WalFileName last = WalFileName.of(timeline, to, segmentSize);
        long count = to - from + 1;
        add(Severity.ERROR, Kind.GAP, first.toString(), first.startLsn(), (count == 1 ? "missing segment " + first
            : "missing " + count + " segments " + first + " .. " + last) + ": WAL from " + first.startLsn() + " to "
            + last.endLsn() + " on timeline " + Integer.toUnsignedString(timeline) + " is not in the archive");
    }

    // ------------------------------------------------------------------ contents

    private void verifySegments(List<WalFileName> segments) {
        if (major == 0) {
            return; // reported by probeHeaders
        }
        for (Map.Entry<Integer, List<WalFileName>> entry : byTimeline(segments).entrySet()) {
            int tli = entry.getKey();
            // One representation per segment joins the chain; others are checked alone.
            TreeMap<Long, List<WalFileName>> bySegment = new TreeMap<>();
            for (WalFileName name : entry.getValue()) {
                bySegment.computeIfAbsent(name.segmentNumber(), k -> new ArrayList<>()).add(name);
            }
            WalStreamVerifier chain = newVerifier(tli);
            long next = -1;
            for (List<WalFileName> names : bySegment.values()) {
                names.sort(Comparator.comparing(WalFileName::partial).thenComparing(WalFileName::compression));
                WalFileName primary = names.get(0);
                for (WalFileName other : names.subList(1, names.size())) {
                    add(Severity.WARNING, Kind.DUPLICATE, other.toString(), other.startLsn(), "segment "
                        + primary.segmentName() + " is archived as both " + primary + " and " + other
                        + " (each is verified)");
                    WalStreamVerifier alone = newVerifier(tli);
                    alone.reset(other.startLsn().value(), tli);
                    verifyFile(alone, other);
                    recordsVerified += alone.recordsVerified();
                }
                if (primary.startLsn().value() != next) {
                    chain.reset(primary.startLsn().value(), tli);
                }
                boolean ok = verifyFile(chain, primary);
                next = ok && !primary.partial() ? primary.endLsn().value() : -1;
            }
            recordsVerified += chain.recordsVerified();
            if (chain.verifiedEnd() != 0) {
                verifiedEnds.put(tli, chain.verifiedFrontier());
            }
        }
    }

    private WalStreamVerifier newVerifier(int timeline) {
        return new WalStreamVerifier(segmentSize, timeline, systemId, major);
    }

    /** Streams one file through {@code verifier}; false if it has a defect (the chain must then restart). */
    private boolean verifyFile(WalStreamVerifier verifier, WalFileName name) {
        String file = name.toString();
        long start = name.startLsn().value();
        long size = segmentSize.bytes();
        long read = 0;
        int n = 0;
        boolean tooLong = false;
        log.debug("verifying {}", file);
        try (InputStream in = SegmentFiles.decompress(archive.open(file), name.compression())) {
            for (;;) {
                int want = (int) Math.min(buffer.length, size - read);
                if (want == 0) {
                    tooLong = in.read() >= 0;
                    break;
                }
                n = in.readNBytes(buffer, 0, want);
                if (n == 0) {
                    break;
                }
                verifier.accept(buffer, 0, n, start + read);
                read += n;
                if (name.partial() && receiverRunning && verifier.endOfWal()) {
                    // A receiver is appending: what lies past the end of WAL now may be written by the next read.
                    break;
                }
            }
        } catch (WalFormatException e) {
            bytesRead += read;
            if (name.partial() && receiverRunning && e.defect() == WalFormatException.Defect.DATA_AFTER_END
                    && filledSince(name, verifier.endOfWalLsn(), e.lsn().value())) {
                // The .partial is pre-sized: one read met zeros the receiver had not written yet and, a page on,
                // bytes it had. Read again, the zeros are WAL now: the live end, not a defect.
                return true;
            }
            if (name.partial() && receiverRunning && changedSince(name, read, buffer, n,
                    e.lsn() == null ? 0 : e.lsn().value() - start - read)) {
                // The read caught the receiver writing a record (its end still zeros, say): its CRC did not match
                // what was read, but those bytes are not what the file holds now. The live end, not a defect.
                return true;
            }
            add(Severity.ERROR, Kind.WAL_DEFECT, file, e.lsn(), e.defect().description() + " at " + e.lsn()
                + (e.detail() == null || e.detail().isEmpty() ? "" : ": " + e.detail()));
            return false;
        } catch (NoSuchFileException e) {
            // A running receiver renames a finished .partial; listing and reading are not atomic.
            add(receiverRunning ? Severity.WARNING : Severity.ERROR, Kind.UNREADABLE, file, null, file
                + " disappeared while the archive was verified" + (receiverRunning ? " (a receiver is writing it)" : ""));
            return false;
        } catch (IOException | UncheckedIOException e) {
            bytesRead += read;
            add(Severity.ERROR, Kind.UNREADABLE, file, Lsn.of(start + read), "could not read " + file + " after "
                + read + " bytes: " + e.getMessage());
            return false;
        }
        bytesRead += read;
        if (tooLong) {
            add(Severity.ERROR, Kind.SIZE, file, name.endLsn(), "longer than the segment size " + size
                + (name.compression() == WalFileName.Compression.NONE ? "" : " after decompression"));
            return false;
        }
        if (!name.partial() && read < size) {
            add(Severity.ERROR, Kind.SIZE, file, Lsn.of(start + read), read + " bytes"
                + (name.compression() == WalFileName.Compression.NONE ? "" : " after decompression")
                + " (expected: " + size + ")");
            return false;
        }
        if (!name.partial() && verifier.endOfWal()) {
            add(Severity.ERROR, Kind.END_OF_WAL, file, Lsn.of(verifier.endOfWalLsn()), "zeros from "
                + Lsn.of(verifier.endOfWalLsn()) + " to the end of a complete segment (expected: WAL up to "
                + name.endLsn() + ")");
            return false;
        }
        return true;
    }

    /**
     * True if the chunk of {@code name} read at {@code offset} into {@code was[0, length)} no longer holds those bytes
     * from {@code defectAt} (an index into it: the defective record's start; earlier bytes checked fine) on, or is no
     * longer readable.
     */
    private boolean changedSince(WalFileName name, long offset, byte[] was, int length, long defectAt) {
        int from = (int) Math.max(0, Math.min(length, defectAt));
        try (InputStream in = SegmentFiles.decompress(archive.open(name.toString()), name.compression())) {
            in.skipNBytes(offset + from);
            byte[] now = in.readNBytes(length - from);
            return !Arrays.equals(was, from, length, now, 0, now.length);
        } catch (IOException | UncheckedIOException e) {
            return true; // renamed or closed under us: the receiver moved on
        }
    }

    /** True if {@code [from, to)} of {@code name} is no longer all zeros (or no longer readable as such). */
    private boolean filledSince(WalFileName name, long from, long to) {
        long start = name.startLsn().value();
        if (from < start || to <= from) {
            return false;
        }
        try (InputStream in = SegmentFiles.decompress(archive.open(name.toString()), name.compression())) {
            in.skipNBytes(from - start);
            byte[] again = in.readNBytes((int) (to - from));
            for (byte b : again) {
                if (b != 0) {
                    return true;
                }
            }
            return false;
        } catch (IOException | UncheckedIOException e) {
            return true; // renamed or closed under us: the receiver moved on
        }
    }

    // ------------------------------------------------------------------ summary

    private static Map<Integer, List<WalFileName>> byTimeline(List<WalFileName> segments) {
        Map<Integer, List<WalFileName>> byTimeline = new TreeMap<>(Integer::compareUnsigned);
        for (WalFileName name : segments) {
            byTimeline.computeIfAbsent(name.timeline(), k -> new ArrayList<>()).add(name);
        }
        return byTimeline;
    }

    private List<TimelineSummary> summaries(List<WalFileName> segments, TimelinePlan plan) {
        Map<Integer, List<WalFileName>> byTimeline = byTimeline(segments);
        Map<Integer, TimelineSummary> out = new LinkedHashMap<>();
        TreeSet<Integer> timelines = new TreeSet<>(Integer::compareUnsigned);
        timelines.addAll(byTimeline.keySet());
        timelines.addAll(archive.historyTimelines());
        for (int tli : timelines) {
            List<WalFileName> names = byTimeline.getOrDefault(tli, List.of());
            TimelinePlan.Span span = plan == null ? null : plan.span(tli);
            Lsn begin = span != null ? span.begin() : histories.containsKey(tli) && !histories.get(tli).entries().isEmpty()
                ? histories.get(tli).entries().get(histories.get(tli).entries().size() - 1).switchPoint() : null;
            out.put(tli, new TimelineSummary(tli, begin, span == null ? null : span.end(),
                names.isEmpty() ? null : names.get(0).toString(),
                names.isEmpty() ? null : names.get(names.size() - 1).toString(), names.size(),
                tli == 1 || histories.containsKey(tli), verifiedEnds.get(tli)));
        }
        return List.copyOf(out.values());
    }

    private void add(Severity severity, Kind kind, String file, Lsn lsn, String message) {
        Finding finding = new Finding(severity, kind, file, lsn, message);
        log.debug("{}", finding);
        findings.add(finding);
    }
}
