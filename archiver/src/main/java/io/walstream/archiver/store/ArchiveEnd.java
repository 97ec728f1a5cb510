package io.walstream.archiver.store;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalFormatException;
import io.walstream.protocol.wal.WalStreamVerifier;
import io.walstream.protocol.wal.XLogPageHeader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Where the WAL in an archive ends, read from the files alone (no receiver need be running). A
 * {@code .partial} is padded with zeros to the segment size, so its end is found by reading its
 * records: the end of the last whole record whose CRC matches. That is what the receiver wrote;
 * it is durable once the receiver has stopped (it flushes on the way out), but while one runs the
 * newest bytes may still be in the page cache, so ask its metrics for the flushed position.
 *
 * @param timeline    the newest segment's timeline
 * @param walEnd      the end of the last whole WAL record on disk (a complete segment: its end)
 * @param resumePoint where a receiver would resume (pg_receivewal's rule: the start of a {@code .partial})
 * @param newest      the file both are read from
 */
public record ArchiveEnd(int timeline, Lsn walEnd, Lsn resumePoint, WalFileName newest) {

    /** Empty when the archive holds no segment. */
    public static Optional<ArchiveEnd> of(WalStore dir, WalSegmentSize segmentSize) {
        Optional<ArchiveDirectory.ResumePoint> resume = dir.resumePoint(segmentSize);
        if (resume.isEmpty()) {
            return Optional.empty();
        }
        WalFileName newest = resume.get().from();
        Lsn end = newest.partial() ? endOfPartial(dir, newest, segmentSize) : newest.endLsn();
        return Optional.of(new ArchiveEnd(newest.timeline(), end, resume.get().start(), newest));
    }

    /**
     * The end of the last whole WAL record in a {@code .partial} (its start when there is none): what a receiver
     * wrote, though while one runs the newest of it may not be durable yet.
     */
    public static Lsn walEndOf(WalStore dir, WalFileName partial, WalSegmentSize segmentSize) {
        return endOfPartial(dir, partial, segmentSize);
    }

    private static Lsn endOfPartial(WalStore dir, WalFileName partial, WalSegmentSize segmentSize) {
        long start = partial.startLsn().value();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = SegmentFiles.openDecompressed(dir, partial.toString())) {
            int n = in.readNBytes(buffer, 0, buffer.length);
            if (n < XLogPageHeader.LONG_SIZE) {
                return partial.startLsn();
            }
            XLogPageHeader header = XLogPageHeader.parse(buffer, 0);
            if (header.major() < 0) {
                return partial.startLsn(); // not yet written (zeros) or not WAL we can read
            }
            WalStreamVerifier verifier = new WalStreamVerifier(segmentSize, partial.timeline(),
                    header.systemIdentifier(), header.major());
            verifier.reset(start, partial.timeline());
            long read = 0;
            try {
                while (n > 0 && !verifier.endOfWal()) {
                    verifier.accept(buffer, 0, n, start + read);
                    read += n;
                    n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, segmentSize.bytes() - read));
                }
            } catch (WalFormatException e) {
                // a torn last page (a receiver mid-write) or a defect: verify tells which; the end is before it
            }
            long end = verifier.verifiedEnd();
            return end == 0 ? partial.startLsn() : Lsn.of(end);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + partial + " in " + dir.location(), e);
        } catch (RuntimeException e) {
            return partial.startLsn(); // an unparseable first page: nothing we can vouch for
        }
    }
}
