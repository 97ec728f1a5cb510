package io.walstream.protocol.wal;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The current record of a {@link WalRecordReader}: a reusable view, overwritten by the reader's next
 * {@link WalRecordReader#next()}. Copy what you keep.
 */
public final class WalRecord {

    private final WalRecordBody body = new WalRecordBody();
    private boolean bodyDecoded;
    private long lsn;
    private long end;
    private int totalLength;
    private int xid;
    private long prev;
    private int info;
    private int rmid;
    private int crc;
    private boolean crcValid;
    private byte[] bytes = new byte[0];
    private int major;
    private int timeline;
    private WalSegmentSize segmentSize;

    WalRecord() {
    }

    void load(WalScanner scanner) {
        lsn = scanner.lastLsn();
        end = scanner.lastEnd();
        totalLength = scanner.lastTotalLength();
        xid = scanner.lastXid();
        prev = scanner.lastPrev();
        info = scanner.lastInfo();
        rmid = scanner.lastRmid();
        crc = scanner.lastCrcStored();
        crcValid = scanner.lastCrcValid();
        bytes = scanner.assembled();
        major = scanner.major();
        timeline = scanner.timeline();
        segmentSize = scanner.segmentSize();
        bodyDecoded = false;
    }

    /** Where the record starts (its header). */
    public long lsn() {
        return lsn;
    }

    /** The first byte after the record (before alignment padding): {@code EndRecPtr}. */
    public long endLsn() {
        return end;
    }

    /** {@code xl_tot_len}: header plus body, without page headers. */
    public int totalLength() {
        return totalLength;
    }

    /** {@code xl_xid}, unsigned; 0 when the record belongs to no transaction. */
    public int xid() {
        return xid;
    }

    /** {@code xl_prev}: where the previous record starts. */
    public long prev() {
        return prev;
    }

    /** {@code xl_info}: the high nibble is the record type within its resource manager. */
    public int info() {
        return info;
    }

    /** {@code xl_rmid}. */
    public int rmid() {
        return rmid;
    }

    /** The built-in resource manager, or null for a custom one (15+). */
    public RmgrId rmgr() {
        return RmgrId.of(rmid);
    }

    /** {@code xl_crc} as stored. */
    public int crc() {
        return crc;
    }

    /** Whether the CRC-32C of the record matched {@code xl_crc} (always true unless the reader tolerates mismatches). */
    public boolean crcValid() {
        return crcValid;
    }

    public boolean isSwitch() {
        return XLogRecordHeader.isSwitch(rmid, info);
    }

    /** The major version that wrote the record (from the page magic). */
    public int serverMajor() {
        return major;
    }

    int timeline() {
        return timeline;
    }

    WalSegmentSize segmentSize() {
        return segmentSize;
    }

    /** The assembled record (header and body, page headers removed) in {@code [0, totalLength())}; do not modify. */
    public byte[] array() {
        return bytes;
    }

    /** The assembled record as a read-only little-endian buffer of {@code totalLength()} bytes. */
    public ByteBuffer bytes() {
        return ByteBuffer.wrap(bytes, 0, totalLength).slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public byte[] copyBytes() {
        return Arrays.copyOf(bytes, totalLength);
    }

    /** The decoded body (block references, main data), decoded on first use per record into a reused object. */
    public WalRecordBody body() {
        if (!bodyDecoded) {
            body.decode(this);
            bodyDecoded = true;
        }
        return body;
    }

    /**
     * An exception naming this record (LSN and segment file), for decoders of the record's contents that find them
     * inconsistent.
     */
    public WalFormatException defect(WalFormatException.Defect defect, String detail) {
        return new WalFormatException(defect, lsn, timeline == 0 ? 1 : timeline, segmentSize, detail);
    }

    @Override
    public String toString() {
        return "rmgr: " + RmgrId.nameOf(rmid) + " len: " + totalLength + " tx: " + Integer.toUnsignedString(xid)
            + " lsn: " + Lsn.format(lsn) + " prev: " + Lsn.format(prev) + " info: 0x" + Integer.toHexString(info);
    }
}
