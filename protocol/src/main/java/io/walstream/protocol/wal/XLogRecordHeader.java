package io.walstream.protocol.wal;

/**
 * Layout of the 24-byte WAL record header ({@code XLogRecord}, identical in 13–18): {@code xl_tot_len u32@0,
 * xl_xid u32@4, xl_prev u64@8, xl_info u8@16, xl_rmid u8@17}, two pad bytes, {@code xl_crc u32@20}.
 */
public final class XLogRecordHeader {

    /** {@code SizeOfXLogRecord}. */
    public static final int SIZE = 24;
    /** Bytes of the header covered by the CRC: all but {@code xl_crc}. */
    public static final int CRC_COVERED = 20;
    /**
     * {@code XLogRecordMaxSize} (1020 MB): the largest record PostgreSQL 16+ will write, enforced by its writer; no
     * earlier version writes one larger either, because its reader could not allocate it.
     */
    public static final int MAX_SIZE = 1020 * 1024 * 1024;
    /** Records start at MAXALIGN (8-byte) positions. */
    public static final int ALIGNMENT = 8;

    /** Low nibble of {@code xl_info}: flags for the WAL machinery, not the resource manager. */
    public static final int XLR_INFO_MASK = 0x0F;
    public static final int XLR_SPECIAL_REL_UPDATE = 0x01;
    public static final int XLR_CHECK_CONSISTENCY = 0x02;
    /** {@code XLOG_SWITCH} in rmgr XLOG: the rest of the segment is unused. */
    public static final int XLOG_SWITCH = 0x40;
    /** {@code XLOG_OVERWRITE_CONTRECORD} in rmgr XLOG: written after an abandoned partial record. */
    public static final int XLOG_OVERWRITE_CONTRECORD = 0xD0;

    static final int OFF_TOT_LEN = 0;
    static final int OFF_XID = 4;
    static final int OFF_PREV = 8;
    static final int OFF_INFO = 16;
    static final int OFF_RMID = 17;
    static final int OFF_CRC = 20;

    private XLogRecordHeader() {
    }

    /** True for the record that ends a segment early (rmid XLOG, info XLOG_SWITCH). */
    public static boolean isSwitch(int rmid, int info) {
        return rmid == RmgrId.XLOG.id() && (info & ~XLR_INFO_MASK & 0xFF) == XLOG_SWITCH;
    }

    /** {@code MAXALIGN(lsn)}. */
    public static long align(long lsn) {
        return (lsn + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
