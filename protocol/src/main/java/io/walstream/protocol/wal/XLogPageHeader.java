package io.walstream.protocol.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A WAL page header ({@code XLogPageHeaderData}, 24 bytes; {@code XLogLongPageHeaderData}, 40 bytes, on the first
 * page of each segment). For a short header the long-only fields are 0.
 *
 * @param magic            {@code xlp_magic}, see {@link WalPageMagic}
 * @param info             {@code xlp_info} flag bits
 * @param timeline         {@code xlp_tli}, unsigned
 * @param pageAddress      {@code xlp_pageaddr}: the LSN of the page's first byte
 * @param remainingLength  {@code xlp_rem_len}: bytes of a record continued from earlier pages, unsigned
 * @param systemIdentifier {@code xlp_sysid} (long header only)
 * @param segmentSize      {@code xlp_seg_size} (long header only)
 * @param blockSize        {@code xlp_xlog_blcksz} (long header only)
 */
public record XLogPageHeader(int magic, int info, int timeline, long pageAddress, int remainingLength,
                             long systemIdentifier, int segmentSize, int blockSize) {

    /** {@code XLOG_BLCKSZ}: the only page size walstream reads (PostgreSQL's default, and what packagers ship). */
    public static final int PAGE_SIZE = 8192;
    /** MAXALIGN(sizeof(XLogPageHeaderData)). */
    public static final int SHORT_SIZE = 24;
    /** MAXALIGN(sizeof(XLogLongPageHeaderData)). */
    public static final int LONG_SIZE = 40;

    /** The first record on the page continues one from an earlier page; {@code xlp_rem_len} says how much is left. */
    public static final int XLP_FIRST_IS_CONTRECORD = 0x0001;
    /** The header is the 40-byte long header. */
    public static final int XLP_LONG_HEADER = 0x0002;
    /** Backup blocks on this page may be removed (unused since 9.5, still defined in 13–18). */
    public static final int XLP_BKP_REMOVABLE = 0x0004;
    /** An incomplete record that should have continued here was abandoned (crash); a new record starts here. */
    public static final int XLP_FIRST_IS_OVERWRITE_CONTRECORD = 0x0008;
    /** All flag bits defined in 13–18; any other bit is corruption. */
    public static final int XLP_ALL_FLAGS = 0x000F;

    /** Header size for a page with these {@code xlp_info} bits. */
    public static int size(int info) {
        return (info & XLP_LONG_HEADER) != 0 ? LONG_SIZE : SHORT_SIZE;
    }

    /**
     * Reads the header at {@code offset} of {@code page} (absolute, position unchanged): short or long as its
     * {@code xlp_info} says.
     *
     * @throws IndexOutOfBoundsException if the bytes are not all there
     */
    public static XLogPageHeader parse(ByteBuffer page, int offset) {
        ByteBuffer b = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int info = b.getShort(offset + 2) & 0xFFFF;
        boolean isLong = (info & XLP_LONG_HEADER) != 0;
        return new XLogPageHeader(b.getShort(offset) & 0xFFFF, info, b.getInt(offset + 4), b.getLong(offset + 8),
            b.getInt(offset + 16), isLong ? b.getLong(offset + 24) : 0, isLong ? b.getInt(offset + 32) : 0,
            isLong ? b.getInt(offset + 36) : 0);
    }

    /** Reads a header from a byte array. */
    public static XLogPageHeader parse(byte[] bytes, int offset) {
        return parse(ByteBuffer.wrap(bytes), offset);
    }

    public boolean isLong() {
        return (info & XLP_LONG_HEADER) != 0;
    }

    public boolean isContinuation() {
        return (info & XLP_FIRST_IS_CONTRECORD) != 0;
    }

    public int size() {
        return size(info);
    }

    /** The major version that writes this magic, or -1. */
    public int major() {
        return WalPageMagic.majorOf(magic);
    }

    // Field offsets, for the allocation-free readers in this package.
    static final int OFF_MAGIC = 0;
    static final int OFF_INFO = 2;
    static final int OFF_TLI = 4;
    static final int OFF_PAGEADDR = 8;
    static final int OFF_REM_LEN = 16;
    static final int OFF_SYSID = 24;
    static final int OFF_SEG_SIZE = 32;
    static final int OFF_BLCKSZ = 36;
}
