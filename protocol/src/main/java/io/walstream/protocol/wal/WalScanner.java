package io.walstream.protocol.wal;

import static io.walstream.protocol.wal.XLogPageHeader.PAGE_SIZE;
import static io.walstream.protocol.wal.XLogPageHeader.XLP_ALL_FLAGS;
import static io.walstream.protocol.wal.XLogPageHeader.XLP_FIRST_IS_CONTRECORD;
import static io.walstream.protocol.wal.XLogPageHeader.XLP_FIRST_IS_OVERWRITE_CONTRECORD;
import static io.walstream.protocol.wal.XLogPageHeader.XLP_LONG_HEADER;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalFormatException.Defect;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The page walker shared by {@link WalStreamVerifier} and {@link WalRecordReader}: consumes WAL bytes in pieces of
 * any size, validates page and record headers as xlogreader.c does, and keeps a running CRC-32C per record, so that
 * only the 24-byte record header and the page header are ever buffered. With {@code assemble} on it also copies each
 * record (header and body, without page headers) into one array.
 *
 * <p>Not thread-safe. After a {@link WalFormatException} the scanner is failed until {@link #start} is called.
 */
final class WalScanner {

    private static final long PAGE_MASK = PAGE_SIZE - 1;
    private static final int HDR = XLogRecordHeader.SIZE;

    private enum State {
        /** No position yet. */
        IDLE,
        /** Skipping to {@code skipTarget} without looking at the bytes (mid-page start, padding, after a switch). */
        SKIP,
        /** At a page boundary after a jump into the WAL: the page header says whether a record continues here. */
        SYNC,
        /** Skipping the rest of a record whose start was not seen; page headers are still checked. */
        SKIP_CONTINUATION,
        RECORD_HEADER,
        RECORD_BODY,
        /** Zeros where WAL should continue: the end of the written WAL. Only zeros may follow. */
        END_OF_WAL,
        FAILED
    }

    private final WalSegmentSize segmentSize;
    private final long segmentMask;
    private final int maxRecordLength;
    private final boolean assemble;
    private final boolean failOnCrcMismatch;
    /** Whether padding, the page header's pad and the rest of a segment after a switch must be zeros. */
    private boolean unusedMustBeZero;
    private final CRC32C crc = new CRC32C();
    private final byte[] pageHeader = new byte[XLogPageHeader.LONG_SIZE];
    private final byte[] recordHeader = new byte[HDR];

    // Expectations; 0 = learn from the first page that has it.
    private int expectedTimeline;
    private long systemIdentifier;
    private int magic;
    private int major;

    private State state = State.IDLE;
    private State afterSkip;
    private long pos;
    private long skipTarget;
    /** The bytes being skipped are unused space (padding, after a switch), not bytes not looked at. */
    private boolean skippingUnused;
    private int pageHeaderFill;
    private int lastPageTimeline;
    private long lastPageLsn;

    // The record in progress.
    private long recordStart;
    private int recordHeaderFill;
    private int totalLength;
    private int bodyRemaining;
    private long skipRemaining;
    private byte[] assembled = new byte[0];

    // The previous complete record; -1 = unknown (after a jump into the WAL).
    private long prevRecord = -1;

    // The last complete record.
    private long lastLsn;
    private long lastEnd;
    private boolean lastCrcValid;
    private int lastCrcComputed;

    private long recordsVerified;
    private long recordBytesVerified;
    private long bytesConsumed;
    private long verifiedEnd;
    private long endOfWal = -1;
    private long abandonedRecords;

    WalScanner(WalSegmentSize segmentSize, int expectedTimeline, long systemIdentifier, int magic,
               int maxRecordLength, boolean assemble, boolean failOnCrcMismatch) {
        if (maxRecordLength < HDR || maxRecordLength > XLogRecordHeader.MAX_SIZE) {
            throw new IllegalArgumentException("max record length: " + maxRecordLength + " (expected: " + HDR + ".."
                + XLogRecordHeader.MAX_SIZE + ")");
        }
        if (magic != 0 && WalPageMagic.majorOf(magic) < 0) {
            throw new IllegalArgumentException("page magic: " + WalPageMagic.toHex(magic) + " (expected: one of 13..18)");
        }
        this.segmentSize = segmentSize;
        this.segmentMask = segmentSize.bytes() - 1L;
        this.expectedTimeline = expectedTimeline;
        this.systemIdentifier = systemIdentifier;
        this.magic = magic;
        this.major = magic == 0 ? 0 : WalPageMagic.majorOf(magic);
        this.maxRecordLength = maxRecordLength;
        this.assemble = assemble;
        this.failOnCrcMismatch = failOnCrcMismatch;
    }

    /**
     * (Re)starts at {@code lsn}, which need not be a record start: the first record is found like
     * XLogFindNextRecord does (next page boundary, then past any continuation). Counters are kept.
     */
    void start(long lsn, int timeline) {
        pos = lsn;
        expectedTimeline = timeline;
        pageHeaderFill = 0;
        recordHeaderFill = 0;
        prevRecord = -1;
        lastPageTimeline = 0;
        endOfWal = -1;
        if ((lsn & PAGE_MASK) == 0) {
            state = State.SYNC;
        } else {
            skipTo((lsn | PAGE_MASK) + 1, State.SYNC);
        }
    }

    /**
     * Requires unused space to be zeros, as a server writes it (WAL pages start zeroed; since PostgreSQL 11 the pages
     * after a switch are zeroed, headers included): no byte of the stream then goes unchecked.
     */
    void requireZeroUnusedSpace() {
        unusedMustBeZero = true;
    }

    boolean started() {
        return state != State.IDLE;
    }

    /**
     * Consumes bytes from {@code in} (advancing its position) until a record is complete (returns true; it is then
     * described by the {@code last*} accessors), the end of WAL is found, or {@code in} is exhausted (both return
     * false).
     */
    boolean advance(ByteBuffer in) {
        try {
            while (in.hasRemaining()) {
                switch (state) {
                    case SKIP -> skip(in);
                    case END_OF_WAL -> checkZeros(in);
                    case IDLE -> throw new IllegalStateException("WAL scanner not started");
                    case FAILED -> throw new IllegalStateException("WAL scanner failed at " + Lsn.format(pos)
                        + "; start it again to continue");
                    default -> {
                        if (pageHeaderFill > 0 || (pos & PAGE_MASK) == 0) {
                            readPageHeader(in);
                        } else if (state == State.RECORD_HEADER) {
                            if (readRecordHeader(in)) {
                                return true;
                            }
                        } else if (state == State.RECORD_BODY) {
                            if (readBody(in)) {
                                return true;
                            }
                        } else if (state == State.SKIP_CONTINUATION) {
                            int n = (int) Math.min(Math.min(skipRemaining, pageLeft()), in.remaining());
                            in.position(in.position() + n);
                            consumed(n);
                            skipRemaining -= n;
                            if (skipRemaining == 0) {
                                skipTo(XLogRecordHeader.align(pos), State.RECORD_HEADER, true);
                            }
                        } else {
                            throw new IllegalStateException("SYNC off a page boundary at " + Lsn.format(pos));
                        }
                        if (state == State.END_OF_WAL) {
                            // Let a reader stop here; a verifier calls again to check that only zeros follow.
                            return false;
                        }
                    }
                }
            }
            return false;
        } catch (WalFormatException e) {
            state = State.FAILED;
            throw e;
        }
    }

    private int pageLeft() {
        return (int) (PAGE_SIZE - (pos & PAGE_MASK));
    }

    private void consumed(int n) {
        pos += n;
        bytesConsumed += n;
    }

    private void skipTo(long target, State next) {
        skipTo(target, next, false);
    }

    private void skipTo(long target, State next, boolean unused) {
        if (target == pos) {
            state = next;
        } else {
            skipTarget = target;
            afterSkip = next;
            skippingUnused = unused;
            state = State.SKIP;
        }
    }

    private void skip(ByteBuffer in) {
        int n = (int) Math.min(skipTarget - pos, in.remaining());
        if (skippingUnused && unusedMustBeZero) {
            for (int i = 0; i < n; i++) {
                byte b = in.get(in.position() + i);
                if (b != 0) {
                    long at = pos + i;
                    throw defect(Defect.BAD_UNUSED_SPACE, at, "byte 0x" + Integer.toHexString(b & 0xFF) + " at "
                        + Lsn.format(at) + " (expected: zeros up to " + Lsn.format(skipTarget) + ")");
                }
            }
        }
        in.position(in.position() + n);
        consumed(n);
        if (skippingUnused && unusedMustBeZero && lastCrcValid && lastEnd <= pos && afterSkip == State.RECORD_HEADER
            && prevRecord == lastLsn) {
            verifiedEnd = pos; // zeros checked after a good record: as good as the record
        }
        if (pos == skipTarget) {
            state = afterSkip;
        }
    }

    private void checkZeros(ByteBuffer in) {
        int from = in.position();
        int to = in.limit();
        for (int i = from; i < to; i++) {
            byte b = in.get(i);
            if (b != 0) {
                long at = pos + (i - from);
                throw defect(Defect.DATA_AFTER_END, at, "byte 0x" + Integer.toHexString(b & 0xFF) + " at "
                    + Lsn.format(at) + " after the end of WAL at " + Lsn.format(endOfWal) + " (expected: only zeros)");
            }
        }
        in.position(to);
        consumed(to - from);
    }

    // ------------------------------------------------------------------ pages

    private void readPageHeader(ByteBuffer in) {
        long pageLsn = pos - pageHeaderFill;
        int need = (pageLsn & segmentMask) == 0 ? XLogPageHeader.LONG_SIZE : XLogPageHeader.SHORT_SIZE;
        int n = Math.min(need - pageHeaderFill, in.remaining());
        in.get(pageHeader, pageHeaderFill, n);
        pageHeaderFill += n;
        consumed(n);
        if (pageHeaderFill == need) {
            pageHeaderFill = 0;
            pageHeaderComplete(pageLsn, need);
        }
    }

    private void pageHeaderComplete(long pageLsn, int size) {
        if (isZero(pageHeader, size)) {
            // An unwritten page: the WAL ends here (a .partial file, or a record cut at a page boundary).
            enterEndOfWal(pageLsn);
            return;
        }
        if (unusedMustBeZero && Le.i32(pageHeader, XLogPageHeader.OFF_REM_LEN + 4) != 0) {
            throw defect(Defect.BAD_UNUSED_SPACE, pageLsn, "page header padding 0x"
                + hex8(Le.i32(pageHeader, XLogPageHeader.OFF_REM_LEN + 4)) + " (expected: zeros)");
        }
        int pageMagic = Le.u16(pageHeader, XLogPageHeader.OFF_MAGIC);
        if (magic == 0) {
            if (WalPageMagic.majorOf(pageMagic) < 0) {
                throw defect(Defect.BAD_MAGIC, pageLsn, "xlp_magic " + WalPageMagic.toHex(pageMagic)
                    + " (expected: the magic of PostgreSQL 13..18)");
            }
            magic = pageMagic;
            major = WalPageMagic.majorOf(pageMagic);
        } else if (pageMagic != magic) {
            throw defect(Defect.BAD_MAGIC, pageLsn, "xlp_magic " + WalPageMagic.toHex(pageMagic) + " (expected: "
                + WalPageMagic.toHex(magic) + " for PostgreSQL " + major + ")");
        }
        int info = Le.u16(pageHeader, XLogPageHeader.OFF_INFO);
        if ((info & ~XLP_ALL_FLAGS) != 0) {
            throw defect(Defect.BAD_PAGE_INFO, pageLsn, "xlp_info 0x" + hex4(info) + " (expected: only bits 0x"
                + hex4(XLP_ALL_FLAGS) + ")");
        }
        boolean segmentStart = size == XLogPageHeader.LONG_SIZE;
        if (segmentStart != ((info & XLP_LONG_HEADER) != 0)) {
            throw defect(Defect.BAD_LONG_HEADER, pageLsn, "xlp_info 0x" + hex4(info) + " at segment offset "
                + (pageLsn & segmentMask) + (segmentStart ? " (expected: XLP_LONG_HEADER on the first page of a segment)"
                : " (expected: XLP_LONG_HEADER only on the first page of a segment)"));
        }
        if (segmentStart) {
            long sysid = Le.i64(pageHeader, XLogPageHeader.OFF_SYSID);
            if (systemIdentifier == 0) {
                systemIdentifier = sysid;
            } else if (sysid != systemIdentifier) {
                throw defect(Defect.SYSTEM_ID_MISMATCH, pageLsn, "xlp_sysid " + Long.toUnsignedString(sysid)
                    + " (expected: " + Long.toUnsignedString(systemIdentifier) + ")");
            }
            int segSize = Le.i32(pageHeader, XLogPageHeader.OFF_SEG_SIZE);
            if (segSize != segmentSize.bytes()) {
                throw defect(Defect.BAD_SEGMENT_SIZE, pageLsn, "xlp_seg_size " + Integer.toUnsignedString(segSize)
                    + " (expected: " + segmentSize.bytes() + ")");
            }
            int blcksz = Le.i32(pageHeader, XLogPageHeader.OFF_BLCKSZ);
            if (blcksz != PAGE_SIZE) {
                throw defect(Defect.BAD_BLOCK_SIZE, pageLsn, "xlp_xlog_blcksz " + Integer.toUnsignedString(blcksz)
                    + " (expected: " + PAGE_SIZE + ")");
            }
        }
        long pageAddress = Le.i64(pageHeader, XLogPageHeader.OFF_PAGEADDR);
        if (pageAddress != pageLsn) {
            throw defect(Defect.BAD_PAGE_ADDRESS, pageLsn, "xlp_pageaddr " + Lsn.format(pageAddress) + " (expected: "
                + Lsn.format(pageLsn) + ")");
        }
        int tli = Le.i32(pageHeader, XLogPageHeader.OFF_TLI);
        checkTimeline(pageLsn, tli);
        int remLen = Le.i32(pageHeader, XLogPageHeader.OFF_REM_LEN);
        boolean contrecord = (info & XLP_FIRST_IS_CONTRECORD) != 0;
        switch (state) {
            case SYNC -> {
                if (contrecord && (info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) == 0) {
                    if (remLen == 0) {
                        throw defect(Defect.BAD_CONTRECORD, pageLsn, "xlp_rem_len 0 with XLP_FIRST_IS_CONTRECORD"
                            + " (expected: > 0)");
                    }
                    skipRemaining = Integer.toUnsignedLong(remLen);
                    state = State.SKIP_CONTINUATION;
                } else {
                    state = State.RECORD_HEADER;
                }
            }
            case RECORD_HEADER -> {
                if (recordHeaderFill == 0) {
                    if (contrecord) {
                        // xlogreader: "contrecord is requested by": no record is in progress to continue.
                        throw defect(Defect.BAD_CONTRECORD, pageLsn, "XLP_FIRST_IS_CONTRECORD with xlp_rem_len "
                            + Integer.toUnsignedString(remLen) + ", but the previous record ended at "
                            + Lsn.format(lastEnd) + " (expected: a new record here)");
                    }
                } else {
                    continuation(pageLsn, info, remLen, totalLength - recordHeaderFill);
                }
            }
            case RECORD_BODY -> continuation(pageLsn, info, remLen, bodyRemaining);
            case SKIP_CONTINUATION -> {
                if ((info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) != 0) {
                    state = State.RECORD_HEADER;
                } else {
                    checkContinuation(pageLsn, info, remLen, skipRemaining);
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void continuation(long pageLsn, int info, int remLen, long remaining) {
        if ((info & XLP_FIRST_IS_OVERWRITE_CONTRECORD) != 0) {
            // The record in progress was never finished (the server crashed); WAL goes on with a new record here,
            // whose xl_prev names the last complete record.
            abandonedRecords++;
            recordHeaderFill = 0;
            state = State.RECORD_HEADER;
            if ((info & XLP_FIRST_IS_CONTRECORD) != 0) {
                throw defect(Defect.BAD_CONTRECORD, pageLsn, "XLP_FIRST_IS_CONTRECORD with"
                    + " XLP_FIRST_IS_OVERWRITE_CONTRECORD (expected: one of them)");
            }
            return;
        }
        checkContinuation(pageLsn, info, remLen, remaining);
    }

    private void checkContinuation(long pageLsn, int info, int remLen, long remaining) {
        if ((info & XLP_FIRST_IS_CONTRECORD) == 0) {
            throw defect(Defect.BAD_CONTRECORD, pageLsn, "no XLP_FIRST_IS_CONTRECORD (expected: " + remaining
                + " more bytes of the record at " + Lsn.format(recordStart) + ")");
        }
        if (Integer.toUnsignedLong(remLen) != remaining) {
            throw defect(Defect.BAD_CONTRECORD, pageLsn, "xlp_rem_len " + Integer.toUnsignedString(remLen)
                + " (expected: " + remaining + (state == State.SKIP_CONTINUATION ? ")"
                : " for the record at " + Lsn.format(recordStart) + ")"));
        }
    }

    private void checkTimeline(long pageLsn, int tli) {
        // xlogreader.c: a page's TLI never goes back on later pages; recovery further requires it to be in the
        // expected timeline's history, which for one timeline without its history file means <= that timeline.
        if (tli == 0 || expectedTimeline != 0 && Integer.compareUnsigned(tli, expectedTimeline) > 0) {
            throw defect(Defect.BAD_TIMELINE, pageLsn, "xlp_tli " + Integer.toUnsignedString(tli) + " (expected: 1.."
                + (expectedTimeline == 0 ? "" : Integer.toUnsignedString(expectedTimeline)) + ")");
        }
        if (lastPageTimeline != 0 && pageLsn > lastPageLsn && Integer.compareUnsigned(tli, lastPageTimeline) < 0) {
            throw defect(Defect.BAD_TIMELINE, pageLsn, "xlp_tli " + Integer.toUnsignedString(tli) + " after "
                + Integer.toUnsignedString(lastPageTimeline) + " on an earlier page (expected: >= "
                + Integer.toUnsignedString(lastPageTimeline) + ")");
        }
        lastPageTimeline = tli;
        lastPageLsn = pageLsn;
    }

    // ---------------------------------------------------------------- records

    private boolean readRecordHeader(ByteBuffer in) {
        if (recordHeaderFill == 0) {
            recordStart = pos;
        }
        int before = recordHeaderFill;
        int n = Math.min(Math.min(HDR - before, pageLeft()), in.remaining());
        in.get(recordHeader, before, n);
        recordHeaderFill += n;
        consumed(n);
        if (before < 4 && recordHeaderFill >= 4) {
            // xl_tot_len sits at a MAXALIGN position, so it never straddles a page: check it at once.
            totalLength = Le.i32(recordHeader, XLogRecordHeader.OFF_TOT_LEN);
            if (totalLength == 0 && isZero(recordHeader, recordHeaderFill)) {
                enterEndOfWal(recordStart);
                return false;
            }
            if (Integer.compareUnsigned(totalLength, HDR) < 0) {
                throw defect(Defect.BAD_RECORD_LENGTH, recordStart, "xl_tot_len " + totalLength + " (expected: >= "
                    + HDR + ")");
            }
            if (Integer.compareUnsigned(totalLength, maxRecordLength) > 0) {
                throw defect(Defect.BAD_RECORD_LENGTH, recordStart, "xl_tot_len "
                    + Integer.toUnsignedString(totalLength) + " (expected: <= " + maxRecordLength + ")");
            }
        }
        if (recordHeaderFill < HDR) {
            return false;
        }
        recordHeaderComplete();
        return bodyRemaining == 0 && finishRecord();
    }

    private void recordHeaderComplete() {
        int rmid = recordHeader[XLogRecordHeader.OFF_RMID] & 0xFF;
        if (!RmgrId.isValid(rmid, major)) {
            throw defect(Defect.BAD_RMGR, recordStart, "xl_rmid " + rmid + " (expected: <= " + RmgrId.MAX_BUILTIN_ID
                + (major >= 15 ? " or " + RmgrId.MIN_CUSTOM_ID + "..255" : "") + ")");
        }
        long prev = Le.i64(recordHeader, XLogRecordHeader.OFF_PREV);
        if (prevRecord != -1 ? prev != prevRecord : Long.compareUnsigned(prev, recordStart) >= 0) {
            throw defect(Defect.BAD_PREV_LINK, recordStart, "xl_prev " + Lsn.format(prev) + " (expected: "
                + (prevRecord != -1 ? Lsn.format(prevRecord) : "< " + Lsn.format(recordStart)) + ")");
        }
        crc.reset();
        bodyRemaining = totalLength - HDR;
        if (assemble) {
            if (assembled.length < totalLength) {
                // Grow by doubling, capped by the record length limit checked above.
                assembled = new byte[(int) Math.min(maxRecordLength, Math.max(totalLength, 2L * assembled.length))];
            }
            System.arraycopy(recordHeader, 0, assembled, 0, HDR);
        }
        state = State.RECORD_BODY;
    }

    private boolean readBody(ByteBuffer in) {
        int n = Math.min(Math.min(bodyRemaining, pageLeft()), in.remaining());
        if (assemble) {
            int at = totalLength - bodyRemaining;
            in.get(assembled, at, n);
            crc.update(assembled, at, n);
        } else {
            int limit = in.limit();
            in.limit(in.position() + n);
            crc.update(in);
            in.limit(limit);
        }
        bodyRemaining -= n;
        consumed(n);
        return bodyRemaining == 0 && finishRecord();
    }

    private boolean finishRecord() {
        crc.update(recordHeader, 0, XLogRecordHeader.CRC_COVERED);
        int computed = (int) crc.getValue();
        int stored = Le.i32(recordHeader, XLogRecordHeader.OFF_CRC);
        lastCrcComputed = computed;
        lastCrcValid = computed == stored;
        if (!lastCrcValid && failOnCrcMismatch) {
            throw defect(Defect.CRC_MISMATCH, recordStart, "expected " + hex8(stored) + ", computed " + hex8(computed));
        }
        lastLsn = recordStart;
        lastEnd = pos;
        prevRecord = recordStart;
        recordHeaderFill = 0;
        if (lastCrcValid) {
            recordsVerified++;
            recordBytesVerified += totalLength;
            verifiedEnd = pos;
        }
        if (XLogRecordHeader.isSwitch(lastRmid(), lastInfo())) {
            // The rest of the segment is unused; xlogreader jumps to the next segment without reading it.
            long segmentEnd = (pos + segmentMask) & ~segmentMask;
            if (lastCrcValid && !unusedMustBeZero) {
                verifiedEnd = segmentEnd; // nothing more in this segment can be wrong
            }
            skipTo(segmentEnd, State.RECORD_HEADER, true);
        } else {
            skipTo(XLogRecordHeader.align(pos), State.RECORD_HEADER, true);
        }
        return true;
    }

    private void enterEndOfWal(long at) {
        endOfWal = at;
        state = State.END_OF_WAL;
    }

    private WalFormatException defect(Defect defect, long lsn, String detail) {
        int tli = expectedTimeline != 0 ? expectedTimeline : lastPageTimeline != 0 ? lastPageTimeline : 1;
        return new WalFormatException(defect, lsn, tli, segmentSize, detail);
    }

    private static boolean isZero(byte[] b, int length) {
        for (int i = 0; i < length; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String hex4(int v) {
        return WalPageMagic.toHex(v);
    }

    static String hex8(int v) {
        String hex = Integer.toHexString(v);
        return "00000000".substring(hex.length()) + hex;
    }

    // -------------------------------------------------------------- accessors

    /** The LSN of the next byte to consume. */
    long position() {
        return pos;
    }

    boolean failed() {
        return state == State.FAILED;
    }

    boolean inEndOfWal() {
        return state == State.END_OF_WAL;
    }

    /** Where the written WAL ends (zeros instead of a page or record), or -1. */
    long endOfWal() {
        return endOfWal;
    }

    /** True between records: nothing of a record has been consumed yet. */
    boolean atRecordBoundary() {
        return state == State.RECORD_HEADER && recordHeaderFill == 0 || state == State.SKIP
            && afterSkip == State.RECORD_HEADER;
    }

    int timeline() {
        return expectedTimeline;
    }

    /** Changes the newest timeline pages may carry (a reader moving on to the next segment file). */
    void timeline(int timeline) {
        expectedTimeline = timeline;
    }

    long systemIdentifier() {
        return systemIdentifier;
    }

    int magic() {
        return magic;
    }

    int major() {
        return major;
    }

    WalSegmentSize segmentSize() {
        return segmentSize;
    }

    long lastLsn() {
        return lastLsn;
    }

    long lastEnd() {
        return lastEnd;
    }

    int lastTotalLength() {
        return Le.i32(recordHeader, XLogRecordHeader.OFF_TOT_LEN);
    }

    int lastXid() {
        return Le.i32(recordHeader, XLogRecordHeader.OFF_XID);
    }

    long lastPrev() {
        return Le.i64(recordHeader, XLogRecordHeader.OFF_PREV);
    }

    int lastInfo() {
        return recordHeader[XLogRecordHeader.OFF_INFO] & 0xFF;
    }

    int lastRmid() {
        return recordHeader[XLogRecordHeader.OFF_RMID] & 0xFF;
    }

    int lastCrcStored() {
        return Le.i32(recordHeader, XLogRecordHeader.OFF_CRC);
    }

    int lastCrcComputed() {
        return lastCrcComputed;
    }

    boolean lastCrcValid() {
        return lastCrcValid;
    }

    /** The assembled bytes of the last record (valid up to its total length), when assembling. */
    byte[] assembled() {
        return assembled;
    }

    long recordsVerified() {
        return recordsVerified;
    }

    long recordBytesVerified() {
        return recordBytesVerified;
    }

    long bytesConsumed() {
        return bytesConsumed;
    }

    /** The end of the last record whose CRC matched; 0 before the first. */
    long verifiedEnd() {
        return verifiedEnd;
    }

    long abandonedRecords() {
        return abandonedRecords;
    }
}
