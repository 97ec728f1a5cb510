package io.walstream.protocol.wal;

import io.netty.buffer.ByteBuf;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalFormatException.Defect;
import java.nio.ByteBuffer;

/**
 * Checks a WAL byte stream as it arrives, in consecutive chunks split anywhere (mid page header, mid record): page
 * headers (magic, flags, long header at segment starts with system identifier, segment and page size, page address,
 * timeline, continuation lengths), record headers (length, resource manager, prev-link) and the CRC-32C of every
 * record across page and segment edges. Only the page and record headers are buffered; the CRC runs as bytes
 * arrive, so nothing is allocated per chunk or per record (except through {@link #accept(ByteBuf, long)} on a
 * buffer without a single backing array, see there).
 *
 * <p>The first chunk may start anywhere: at a segment or page start the first page's {@code xlp_rem_len} is skipped
 * to the first record start; mid-page, the rest of the page is skipped first. A defect throws
 * {@link WalFormatException}; the verifier then refuses input until {@link #reset}. Zeros where the next page or
 * record should start are the end of the written WAL (the tail of a {@code .partial} file), not a defect: see
 * {@link #endOfWal()}; only zeros may follow.
 *
 * <p>Not thread-safe: one thread feeds one verifier.
 */
public final class WalStreamVerifier {

    private static final int COPY_CHUNK = 64 * 1024;

    private final WalScanner scanner;
    private ByteBuffer copyBuffer;

    /**
     * @param segmentSize      the cluster's {@code wal_segment_size}
     * @param timeline         the timeline being streamed: pages may carry it or an older one, never a newer one
     * @param systemIdentifier the cluster's system identifier; 0 = take it from the first long page header
     * @param serverMajor      the server's major version (13..18), which fixes the page magic
     */
    public WalStreamVerifier(WalSegmentSize segmentSize, int timeline, long systemIdentifier, int serverMajor) {
        this(segmentSize, timeline, systemIdentifier, serverMajor, XLogRecordHeader.MAX_SIZE);
    }

    /** As above, with a smaller limit on {@code xl_tot_len} than {@link XLogRecordHeader#MAX_SIZE}. */
    public WalStreamVerifier(WalSegmentSize segmentSize, int timeline, long systemIdentifier, int serverMajor,
                             int maxRecordLength) {
        if (timeline <= 0) {
            throw new IllegalArgumentException("timeline: " + Integer.toUnsignedString(timeline) + " (expected: >= 1)");
        }
        this.scanner = new WalScanner(segmentSize, timeline, systemIdentifier, WalPageMagic.forMajor(serverMajor),
            maxRecordLength, false, true);
    }

    /**
     * Also requires the space no record uses to be zeros: the padding between records, the pad of each page header and
     * the rest of a segment after a switch, which the server writes as zeros (PostgreSQL 11 and later zero the pages
     * after a switch, headers included). xlogreader ignores those bytes, so without this a byte damaged there (in
     * transit, say) would pass unnoticed and the copy would differ from the server's. A non-zero byte is a
     * {@link WalFormatException.Defect#BAD_UNUSED_SPACE}. Returns this verifier.
     */
    public WalStreamVerifier requireZeroUnusedSpace() {
        scanner.requireZeroUnusedSpace();
        return this;
    }

    /**
     * Checks the remaining bytes of {@code chunk} (its position is left unchanged), which start at
     * {@code chunkStartLsn}. Every chunk after the first must start where the previous one ended.
     *
     * @throws WalFormatException on a defect, or a chunk that does not continue the previous one
     */
    public void accept(ByteBuffer chunk, long chunkStartLsn) {
        begin(chunkStartLsn);
        int position = chunk.position();
        try {
            while (chunk.hasRemaining()) {
                scanner.advance(chunk);
            }
        } finally {
            chunk.position(position);
        }
    }

    /**
     * Checks the readable bytes of {@code chunk} (its indices are left unchanged), which start at
     * {@code chunkStartLsn}. The bytes are read with absolute gets through a reusable heap buffer, so another thread
     * may read the same {@code ByteBuf} at the same time (the archiver's writer does).
     */
    public void accept(ByteBuf chunk, long chunkStartLsn) {
        begin(chunkStartLsn);
        if (copyBuffer == null) {
            copyBuffer = ByteBuffer.allocate(COPY_CHUNK);
        }
        int index = chunk.readerIndex();
        int end = chunk.writerIndex();
        while (index < end) {
            int n = Math.min(COPY_CHUNK, end - index);
            copyBuffer.clear();
            chunk.getBytes(index, copyBuffer.array(), 0, n);
            copyBuffer.limit(n);
            while (copyBuffer.hasRemaining()) {
                scanner.advance(copyBuffer);
            }
            index += n;
        }
    }

    /** Also checks a plain array slice. */
    public void accept(byte[] bytes, int offset, int length, long chunkStartLsn) {
        accept(ByteBuffer.wrap(bytes, offset, length), chunkStartLsn);
    }

    private void begin(long chunkStartLsn) {
        if (!scanner.started()) {
            scanner.start(chunkStartLsn, scanner.timeline());
        } else if (scanner.failed()) {
            throw new IllegalStateException("WAL verifier failed before " + Lsn.format(scanner.position())
                + "; reset it to continue");
        } else if (chunkStartLsn != scanner.position()) {
            throw new WalFormatException(Defect.NOT_CONTIGUOUS, chunkStartLsn, scanner.timeline(),
                scanner.segmentSize(), "chunk starts at " + Lsn.format(chunkStartLsn) + " (expected: "
                + Lsn.format(scanner.position()) + ")");
        }
    }

    /**
     * Starts over at {@code lsn} on {@code timeline} (after a reconnect or a timeline switch), as if it were the first
     * chunk: the first record found there is not checked against its predecessor. Counters are kept.
     */
    public void reset(long lsn, int timeline) {
        if (timeline <= 0) {
            throw new IllegalArgumentException("timeline: " + Integer.toUnsignedString(timeline) + " (expected: >= 1)");
        }
        scanner.start(lsn, timeline);
    }

    /** The LSN the next chunk must start at. */
    public long position() {
        return scanner.position();
    }

    /** Records whose CRC matched. */
    public long recordsVerified() {
        return scanner.recordsVerified();
    }

    /** Sum of {@code xl_tot_len} of the records whose CRC matched. */
    public long recordBytesVerified() {
        return scanner.recordBytesVerified();
    }

    /** Bytes accepted, including page headers, padding, and bytes skipped to find the first record. */
    public long bytesAccepted() {
        return scanner.bytesConsumed();
    }

    /** The verified frontier: the end of the last record whose CRC matched, 0 before the first one. */
    public long verifiedEnd() {
        return scanner.verifiedEnd();
    }

    /** {@link #verifiedEnd()} as an {@link Lsn}. */
    public Lsn verifiedFrontier() {
        return Lsn.of(scanner.verifiedEnd());
    }

    /** True once zeros were found where WAL should continue; further input must be zeros. */
    public boolean endOfWal() {
        return scanner.inEndOfWal();
    }

    /** Where the zeros begin, or -1 while the WAL has not ended. */
    public long endOfWalLsn() {
        return scanner.endOfWal();
    }

    /** True when the stream so far ends exactly between two records (nothing of a next record seen). */
    public boolean atRecordBoundary() {
        return scanner.atRecordBoundary();
    }

    /** The system identifier expected, or learnt from the first long page header; 0 before that. */
    public long systemIdentifier() {
        return scanner.systemIdentifier();
    }

    /** Records abandoned by the server (an incomplete record followed by XLP_FIRST_IS_OVERWRITE_CONTRECORD). */
    public long abandonedRecords() {
        return scanner.abandonedRecords();
    }

    @Override
    public String toString() {
        return "WalStreamVerifier{position=" + Lsn.format(position()) + ", verified=" + Lsn.format(verifiedEnd())
            + ", records=" + recordsVerified() + (endOfWal() ? ", end of WAL at " + Lsn.format(endOfWalLsn()) : "")
            + "}";
    }
}
