package io.walstream.replaysim.input;

import io.walstream.archiver.pipeline.ReceiptLog;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.SegmentFiles;
import io.walstream.pgcluster.Directories;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordReader;
import io.walstream.protocol.wal.conflict.ConflictRecord;
import io.walstream.protocol.wal.conflict.ConflictRecordDecoder;
import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.ReplayRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The simulator's input from a walstream archive: its WAL decoded record by record
 * ({@link ConflictRecordDecoder}) and the receipt log {@code receive --receipt-log} wrote beside it.
 * Segments of the newest timeline only (compressed ones decompressed to a scratch directory first), from the
 * first segment the receipt log covers.
 *
 * @param records         the decoded records, consecutive plain ones of one message and segment taken as one
 * @param receipts        when each message arrived (a range received again after a reconnect: its first arrival)
 * @param segmentBytes    the archive's WAL segment size
 * @param walRecords      WAL records read (before plain ones were merged)
 * @param walBytes        the bytes of WAL they span
 * @param busiestDatabase the database most cleanup records are in: where synthetic queries run unless told otherwise
 */
public record ArchiveReplayInput(List<ReplayRecord> records, List<Receipt> receipts, long segmentBytes,
        long walRecords, long walBytes, int busiestDatabase) {

    public ArchiveReplayInput {
        records = List.copyOf(records);
        receipts = List.copyOf(receipts);
    }

    /**
     * Reads the archive in {@code dir}.
     *
     * @throws IllegalArgumentException when {@code dir} is not a walstream archive, has no receipt log, or no segment
     *                                  the receipt log covers
     */
    public static ArchiveReplayInput read(Path dir) throws IOException {
        ArchiveDirectory archive = ArchiveDirectory.open(dir);
        ArchiveDirectory.Identity id = archive.identity().orElseThrow(
                () -> new IllegalArgumentException(dir + " is not a walstream archive (no identity file)"));
        List<ReceiptLog.Receipt> logged = new ArrayList<>(ReceiptLog.read(dir));
        if (logged.isEmpty()) {
            throw new IllegalArgumentException(dir + " has no receipt log: receive with --receipt-log to simulate from it");
        }
        logged.sort(Comparator.comparingLong(ReceiptLog.Receipt::dataStart));
        List<Receipt> receipts = new ArrayList<>();
        long covered = -1;
        for (ReceiptLog.Receipt r : logged) {
            if (r.dataEnd() <= covered) {
                continue; // received again after a reconnect: the first arrival counts
            }
            receipts.add(new Receipt(Math.max(r.dataStart(), covered), r.dataEnd(), r.receivedMicros()));
            covered = r.dataEnd();
        }
        long first = receipts.get(0).dataStart();
        long last = receipts.get(receipts.size() - 1).dataEnd();

        List<WalFileName> segments = archive.segments(id.segmentSize()).stream()
                .filter(n -> n.endLsn().value() > first && n.startLsn().value() < last).toList();
        int timeline = segments.stream().mapToInt(WalFileName::timeline).max().orElseThrow(
                () -> new IllegalArgumentException(dir + " has no segment the receipt log covers"));
        Map<Integer, Integer> cleanupsPerDatabase = new HashMap<>();
        List<ReplayRecord> records = new ArrayList<>();
        long walRecords = 0;
        long segmentBytes = id.segmentSize().bytes();
        int message = 0;
        int groupMessage = -1;
        long groupSegment = -1;
        Path plain = Files.createTempDirectory("walstream-simulate-");
        try {
            try (WalRecordReader reader = WalRecordReader.open(plainSegments(dir, segments, timeline, plain))) {
                while (reader.next()) {
                    WalRecord r = reader.record();
                    if (r.lsn() < first || r.endLsn() > last) {
                        continue; // no receipt time for it
                    }
                    ConflictRecord decoded = ConflictRecordDecoder.decode(r);
                    if (decoded instanceof ConflictRecord.SnapshotConflict c) {
                        cleanupsPerDatabase.merge((int) c.relation().database(), 1, Integer::sum);
                    }
                    ReplayRecord next = new ReplayRecord(decoded, r.endLsn(), r.xid());
                    while (receipts.get(message).dataEnd() < r.endLsn()) {
                        message++;
                    }
                    int previous = records.size() - 1;
                    // taken together only within one message (received at once: replayed back to back either way)
                    // and one segment (the archive rule renews the receipt time per segment)
                    if (previous >= 0 && message == groupMessage && r.lsn() / segmentBytes == groupSegment
                            && records.get(previous).mergesWith(next)) {
                        records.set(previous, records.get(previous).followedBy(next));
                    } else {
                        records.add(next);
                        groupMessage = message;
                        groupSegment = r.lsn() / segmentBytes;
                    }
                    walRecords++;
                }
            }
        } finally {
            Directories.deleteRecursively(plain);
        }
        int busiest = cleanupsPerDatabase.entrySet().stream().filter(e -> e.getKey() != 0)
                .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(0);
        return new ArchiveReplayInput(records, receipts, segmentBytes, walRecords, last - first, busiest);
    }

    /**
     * The part of this input between {@code fromLsn} and {@code toLsn}: records that start at or after the one and end
     * at or before the other, and the receipts of their WAL.
     *
     * @throws IllegalArgumentException when no record is left
     */
    public ArchiveReplayInput cut(long fromLsn, long toLsn) {
        List<ReplayRecord> kept = records.stream().filter(r -> r.lsn() >= fromLsn && r.endLsn() <= toLsn).toList();
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("no WAL record of the archive lies between " + Lsn.of(fromLsn) + " and "
                    + Lsn.of(toLsn) + " (it holds " + Lsn.of(receipts.get(0).dataStart()) + " to "
                    + Lsn.of(receipts.get(receipts.size() - 1).dataEnd()) + ")");
        }
        long first = kept.get(0).lsn();
        long last = kept.get(kept.size() - 1).endLsn();
        List<Receipt> keptReceipts = receipts.stream().filter(r -> r.dataEnd() > first && r.dataStart() < last).toList();
        Map<Integer, Integer> cleanupsPerDatabase = new HashMap<>();
        long walRecords = 0;
        for (ReplayRecord r : kept) {
            walRecords += r.records();
            if (r.decoded() instanceof ConflictRecord.SnapshotConflict c) {
                cleanupsPerDatabase.merge((int) c.relation().database(), 1, Integer::sum);
            }
        }
        int busiest = cleanupsPerDatabase.entrySet().stream().filter(e -> e.getKey() != 0)
                .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(busiestDatabase);
        return new ArchiveReplayInput(kept, keptReceipts, segmentBytes, walRecords, last - first, busiest);
    }

    /**
     * The timeline's segments as plain files, one per segment (a complete one over a {@code .partial}): uncompressed
     * ones where they are, compressed ones decompressed into {@code scratch}, one at a time.
     */
    private static List<Path> plainSegments(Path dir, List<WalFileName> segments, int timeline, Path scratch)
            throws IOException {
        Map<Long, WalFileName> chosen = new TreeMap<>();
        for (WalFileName n : segments) {
            if (n.timeline() == timeline) {
                chosen.merge(n.segmentNumber(), n, (a, b) -> a.partial() && !b.partial() ? b : a);
            }
        }
        List<Path> files = new ArrayList<>();
        for (WalFileName n : chosen.values()) {
            Path file = dir.resolve(n.toString());
            if (n.compression() == WalFileName.Compression.NONE) {
                files.add(file);
                continue;
            }
            Path target = scratch.resolve(n.segmentName() + (n.partial() ? ".partial" : ""));
            try (InputStream in = SegmentFiles.openDecompressed(file, n.compression())) {
                Files.copy(in, target);
            }
            files.add(target);
        }
        return files;
    }
}
