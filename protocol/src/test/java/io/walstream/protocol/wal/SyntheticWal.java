package io.walstream.protocol.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Test fixture: lays records out in pages and segments the way PostgreSQL's CopyXLogRecordToWAL does, with correct
 * page headers, continuation lengths, prev-links and CRCs. Unwritten space stays zero (the end of WAL).
 * Public (and in this module's test-jar) for the JMH benchmarks, which verify and archive it.
 */
public final class SyntheticWal {

    static final int PAGE = XLogPageHeader.PAGE_SIZE;
    public static final long SYSID = 7_300_000_000_000_000_123L;

    final int segmentBytes;
    public final long base;
    public final byte[] bytes;
    final int magic;
    final int timeline;
    final List<Long> records = new ArrayList<>();
    final List<Long> ends = new ArrayList<>();
    private long pos;
    private long prev;
    private boolean nextPageOverwrite;

    /** {@code segments} segments of {@code segmentBytes}, the first starting at {@code base}. */
    public SyntheticWal(int segmentBytes, long base, int segments, int major, int timeline) {
        this.segmentBytes = segmentBytes;
        this.base = base;
        this.bytes = new byte[segmentBytes * segments];
        this.magic = WalPageMagic.forMajor(major);
        this.timeline = timeline;
        this.pos = base;
        this.prev = base - 4096; // some earlier record, for the first record's xl_prev
    }

    public long position() {
        return pos;
    }

    public long end() {
        return base + bytes.length;
    }

    /** Appends a record; returns its LSN. */
    public long append(int rmid, int info, int xid, byte[] body) {
        pos = XLogRecordHeader.align(pos);
        if (pos % PAGE == 0) {
            pageHeader(pos, nextPageOverwrite ? XLogPageHeader.XLP_FIRST_IS_OVERWRITE_CONTRECORD : 0, 0);
            nextPageOverwrite = false;
        }
        long lsn = pos;
        byte[] rec = record(rmid, info, xid, prev, body);
        int i = 0;
        while (i < rec.length) {
            if (pos % PAGE == 0) {
                pageHeader(pos, XLogPageHeader.XLP_FIRST_IS_CONTRECORD, rec.length - i);
            }
            int n = (int) Math.min(rec.length - i, PAGE - pos % PAGE);
            System.arraycopy(rec, i, bytes, off(pos), n);
            pos += n;
            i += n;
        }
        prev = lsn;
        records.add(lsn);
        ends.add(pos);
        return lsn;
    }

    /** Appends a record with a main data block of {@code dataLength} bytes. */
    public long append(int dataLength) {
        return append(RmgrId.HEAP.id(), 0x00, 1000 + records.size(), mainData(dataLength, records.size()));
    }

    /** Appends records until the next record would start at page offset {@code pageOffset} (MAXALIGNed). */
    void padTo(int pageOffset) {
        long aligned = XLogRecordHeader.align(pos);
        int hdr = XLogPageHeader.SHORT_SIZE;
        long target = aligned - aligned % PAGE + pageOffset;
        if (target <= aligned + hdr + 40) {
            target += PAGE;
        }
        // One record from here to target: header, then DATA_LONG (5 bytes) and data.
        long startLsn = aligned % PAGE == 0 ? aligned + (aligned % segmentBytes == 0 ? 40 : hdr) : aligned;
        long span = target - startLsn;
        int headerBytes = 0;
        for (long p = startLsn / PAGE + 1; p * PAGE < target; p++) {
            headerBytes += (p * PAGE) % segmentBytes == 0 ? 40 : hdr;
        }
        int dataLength = (int) (span - headerBytes - XLogRecordHeader.SIZE - 5);
        append(RmgrId.HEAP.id(), 0, 7, mainDataLong(dataLength, 1));
        if (XLogRecordHeader.align(pos) % PAGE != pageOffset) {
            throw new IllegalStateException("padTo " + pageOffset + " ended at " + pos);
        }
    }

    /**
     * XLOG_SWITCH, then the rest of the segment as the server leaves it: zeros, page headers included (PostgreSQL 11
     * and later zero them, CopyXLogRecordToWAL; RealWalIT checks it on 13 to 18).
     */
    public long appendSwitch() {
        long lsn = append(RmgrId.XLOG.id(), XLogRecordHeader.XLOG_SWITCH, 0, new byte[0]);
        long segEnd = (pos + segmentBytes - 1) / segmentBytes * segmentBytes;
        pos = segEnd;
        return lsn;
    }

    /**
     * Writes the first part of a record up to the end of its page and abandons it, as a crash does: the next page
     * carries XLP_FIRST_IS_OVERWRITE_CONTRECORD and a new record linked to the last complete one.
     */
    long appendTorn(int totalLength) {
        pos = XLogRecordHeader.align(pos);
        long lsn = pos;
        byte[] rec = record(RmgrId.HEAP.id(), 0, 9, prev, mainDataLong(totalLength - 29, 3));
        int n = (int) (PAGE - pos % PAGE);
        if (n >= rec.length) {
            throw new IllegalArgumentException("record fits its page");
        }
        System.arraycopy(rec, 0, bytes, off(pos), n);
        pos += n;
        nextPageOverwrite = true;
        return lsn;
    }

    void pageHeader(long pageLsn, int flags, int remLen) {
        boolean isLong = pageLsn % segmentBytes == 0;
        ByteBuffer b = ByteBuffer.wrap(bytes, off(pageLsn), isLong ? 40 : 24).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) magic).putShort((short) (flags | (isLong ? XLogPageHeader.XLP_LONG_HEADER : 0)))
            .putInt(timeline).putLong(pageLsn).putInt(remLen).putInt(0);
        if (isLong) {
            b.putLong(SYSID).putInt(segmentBytes).putInt(PAGE);
        }
        if (pos == pageLsn) {
            pos += isLong ? 40 : 24;
        }
    }

    static byte[] record(int rmid, int info, int xid, long prev, byte[] body) {
        byte[] rec = new byte[XLogRecordHeader.SIZE + body.length];
        ByteBuffer b = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(rec.length).putInt(xid).putLong(prev).put((byte) info).put((byte) rmid).putShort((short) 0);
        System.arraycopy(body, 0, rec, XLogRecordHeader.SIZE, body.length);
        CRC32C crc = new CRC32C();
        crc.update(rec, XLogRecordHeader.SIZE, body.length);
        crc.update(rec, 0, XLogRecordHeader.CRC_COVERED);
        b.putInt(XLogRecordHeader.OFF_CRC, (int) crc.getValue());
        return rec;
    }

    /** A body of only main data: DATA_SHORT up to 255 bytes, else DATA_LONG. */
    static byte[] mainData(int length, int seed) {
        return length <= 255 ? mainDataShort(length, seed) : mainDataLong(length, seed);
    }

    static byte[] mainDataShort(int length, int seed) {
        byte[] body = new byte[2 + length];
        body[0] = (byte) WalRecordBody.BLOCK_ID_DATA_SHORT;
        body[1] = (byte) length;
        fill(body, 2, seed);
        return body;
    }

    static byte[] mainDataLong(int length, int seed) {
        byte[] body = new byte[5 + length];
        body[0] = (byte) WalRecordBody.BLOCK_ID_DATA_LONG;
        ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).putInt(1, length);
        fill(body, 5, seed);
        return body;
    }

    private static void fill(byte[] b, int from, int seed) {
        for (int i = from; i < b.length; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + 1);
        }
    }

    int off(long lsn) {
        return (int) (lsn - base);
    }

    /** Little-endian helpers for corrupting fields in tests. */
    void putInt(long lsn, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(off(lsn), value);
    }

    void putShort(long lsn, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putShort(off(lsn), (short) value);
    }

    void putLong(long lsn, long value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(off(lsn), value);
    }
}
