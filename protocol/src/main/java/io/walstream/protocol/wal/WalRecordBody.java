package io.walstream.protocol.wal;

import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.BlockReference.ImageCompression;
import io.walstream.protocol.wal.WalFormatException.Defect;

/**
 * The decoded body of one record (DecodeXLogRecord): block references, replication origin, top-level xid and where
 * the main data is. Reusable: {@link #decode} overwrites the previous contents and allocates nothing once its arrays
 * have grown; {@link #block(int)} builds a value object on demand.
 */
public final class WalRecordBody {

    /** {@code XLR_MAX_BLOCK_ID}. */
    public static final int MAX_BLOCK_ID = 32;
    static final int BLOCK_ID_DATA_SHORT = 255;
    static final int BLOCK_ID_DATA_LONG = 254;
    static final int BLOCK_ID_ORIGIN = 253;
    /** Exists from 14 on. */
    static final int BLOCK_ID_TOPLEVEL_XID = 252;

    // bimg_info: 15+ names the compression method; 13 and 14 only say "compressed", and APPLY sits elsewhere.
    static final int BKPIMAGE_HAS_HOLE = 0x01;
    static final int BKPIMAGE_APPLY_15 = 0x02;
    static final int BKPIMAGE_COMPRESS_PGLZ = 0x04;
    static final int BKPIMAGE_COMPRESS_LZ4 = 0x08;
    static final int BKPIMAGE_COMPRESS_ZSTD = 0x10;
    static final int BKPIMAGE_IS_COMPRESSED_13 = 0x02;
    static final int BKPIMAGE_APPLY_13 = 0x04;

    private static final int PAGE = XLogPageHeader.PAGE_SIZE;
    private static final int MAX_BLOCKS = MAX_BLOCK_ID + 1;

    private final int[] blockId = new int[MAX_BLOCKS];
    private final int[] forkFlags = new int[MAX_BLOCKS];
    private final long[] spc = new long[MAX_BLOCKS];
    private final long[] db = new long[MAX_BLOCKS];
    private final long[] rel = new long[MAX_BLOCKS];
    private final long[] blockNumber = new long[MAX_BLOCKS];
    private final int[] dataLength = new int[MAX_BLOCKS];
    private final int[] dataOffset = new int[MAX_BLOCKS];
    private final int[] imageLength = new int[MAX_BLOCKS];
    private final int[] imageOffset = new int[MAX_BLOCKS];
    private final int[] holeOffset = new int[MAX_BLOCKS];
    private final int[] holeLength = new int[MAX_BLOCKS];
    private final int[] imageInfo = new int[MAX_BLOCKS];

    private int blockCount;
    private int major;
    private int origin;
    private int toplevelXid;
    private int mainDataOffset;
    private int mainDataLength;
    private int fpiLength;

    /**
     * Decodes the record in {@code record[0, totalLength)} (header included), written by {@code major}.
     *
     * The LSN, timeline and segment size only name the record in an error.
     *
     * @throws WalFormatException if the body is not consistent, as DecodeXLogRecord checks
     */
    public WalRecordBody decode(byte[] record, int totalLength, int major, long lsn, int timeline,
                                WalSegmentSize segmentSize) {
        if (totalLength < XLogRecordHeader.SIZE || totalLength > record.length) {
            throw new IllegalArgumentException("total length: " + totalLength + " (expected: " + XLogRecordHeader.SIZE
                + ".." + record.length + ")");
        }
        this.major = major;
        blockCount = 0;
        origin = 0;
        toplevelXid = 0;
        mainDataLength = 0;
        fpiLength = 0;
        int p = XLogRecordHeader.SIZE;
        long remaining = totalLength - p;
        long dataTotal = 0;
        int maxBlockId = -1;
        boolean haveRel = false;
        while (remaining > dataTotal) {
            int id = u8(record, p, remaining, lsn, timeline, segmentSize);
            p++;
            remaining--;
            if (id == BLOCK_ID_DATA_SHORT) {
                need(1, remaining, lsn, timeline, segmentSize);
                mainDataLength = record[p] & 0xFF;
                p++;
                remaining--;
                dataTotal += mainDataLength;
                break; // the main data is always last
            } else if (id == BLOCK_ID_DATA_LONG) {
                need(4, remaining, lsn, timeline, segmentSize);
                int length = Le.i32(record, p);
                if (length < 0) {
                    throw bad(lsn, timeline, segmentSize, "main data length " + Integer.toUnsignedString(length)
                        + " (expected: <= " + totalLength + ")");
                }
                mainDataLength = length;
                p += 4;
                remaining -= 4;
                dataTotal += length;
                break;
            } else if (id == BLOCK_ID_ORIGIN) {
                need(2, remaining, lsn, timeline, segmentSize);
                origin = Le.u16(record, p);
                p += 2;
                remaining -= 2;
            } else if (id == BLOCK_ID_TOPLEVEL_XID && major >= 14) {
                need(4, remaining, lsn, timeline, segmentSize);
                toplevelXid = Le.i32(record, p);
                p += 4;
                remaining -= 4;
            } else if (id <= MAX_BLOCK_ID) {
                if (id <= maxBlockId) {
                    throw bad(lsn, timeline, segmentSize, "out-of-order block_id " + id + " (expected: > "
                        + maxBlockId + ")");
                }
                maxBlockId = id;
                int b = blockCount++;
                blockId[b] = id;
                need(3, remaining, lsn, timeline, segmentSize);
                int flags = record[p] & 0xFF;
                int dataLen = Le.u16(record, p + 1);
                p += 3;
                remaining -= 3;
                forkFlags[b] = flags;
                boolean hasData = (flags & BlockReference.BKPBLOCK_HAS_DATA) != 0;
                if (hasData && dataLen == 0) {
                    throw bad(lsn, timeline, segmentSize, "block " + id + ": BKPBLOCK_HAS_DATA set, but no data");
                }
                if (!hasData && dataLen != 0) {
                    throw bad(lsn, timeline, segmentSize, "block " + id + ": BKPBLOCK_HAS_DATA not set, but data"
                        + " length is " + dataLen);
                }
                dataLength[b] = dataLen;
                dataTotal += dataLen;
                imageLength[b] = 0;
                holeOffset[b] = 0;
                holeLength[b] = 0;
                imageInfo[b] = 0;
                if ((flags & BlockReference.BKPBLOCK_HAS_IMAGE) != 0) {
                    need(5, remaining, lsn, timeline, segmentSize);
                    int bimgLen = Le.u16(record, p);
                    int hole = Le.u16(record, p + 2);
                    int info = record[p + 4] & 0xFF;
                    p += 5;
                    remaining -= 5;
                    boolean compressed = isCompressed(info);
                    boolean hasHole = (info & BKPIMAGE_HAS_HOLE) != 0;
                    int holeLen;
                    if (compressed) {
                        if (hasHole) {
                            need(2, remaining, lsn, timeline, segmentSize);
                            holeLen = Le.u16(record, p);
                            p += 2;
                            remaining -= 2;
                        } else {
                            holeLen = 0;
                        }
                    } else {
                        holeLen = PAGE - bimgLen;
                    }
                    if (hasHole && (hole == 0 || holeLen == 0 || bimgLen == PAGE)) {
                        throw bad(lsn, timeline, segmentSize, "block " + id + ": BKPIMAGE_HAS_HOLE set, but hole"
                            + " offset " + hole + " length " + holeLen + " block image length " + bimgLen);
                    }
                    if (!hasHole && (hole != 0 || holeLen != 0)) {
                        throw bad(lsn, timeline, segmentSize, "block " + id + ": BKPIMAGE_HAS_HOLE not set, but hole"
                            + " offset " + hole + " length " + holeLen);
                    }
                    if (compressed && bimgLen == PAGE) {
                        throw bad(lsn, timeline, segmentSize, "block " + id + ": compressed image with length "
                            + bimgLen + " (expected: < " + PAGE + ")");
                    }
                    imageLength[b] = bimgLen;
                    holeOffset[b] = hole;
                    holeLength[b] = holeLen;
                    imageInfo[b] = info;
                    dataTotal += bimgLen;
                    fpiLength += bimgLen;
                }
                if ((flags & BlockReference.BKPBLOCK_SAME_REL) == 0) {
                    need(12, remaining, lsn, timeline, segmentSize);
                    spc[b] = Integer.toUnsignedLong(Le.i32(record, p));
                    db[b] = Integer.toUnsignedLong(Le.i32(record, p + 4));
                    rel[b] = Integer.toUnsignedLong(Le.i32(record, p + 8));
                    p += 12;
                    remaining -= 12;
                    haveRel = true;
                } else {
                    if (!haveRel) {
                        throw bad(lsn, timeline, segmentSize, "block " + id + ": BKPBLOCK_SAME_REL set but no"
                            + " previous relation");
                    }
                    spc[b] = spc[b - 1];
                    db[b] = db[b - 1];
                    rel[b] = rel[b - 1];
                }
                need(4, remaining, lsn, timeline, segmentSize);
                blockNumber[b] = Integer.toUnsignedLong(Le.i32(record, p));
                p += 4;
                remaining -= 4;
            } else {
                throw bad(lsn, timeline, segmentSize, "invalid block_id " + id);
            }
        }
        if (remaining != dataTotal) {
            throw bad(lsn, timeline, segmentSize, remaining + " bytes after the headers (expected: " + dataTotal
                + " for images and data)");
        }
        // Payloads follow the headers: per block in id order its image, then its data; the main data last.
        for (int b = 0; b < blockCount; b++) {
            imageOffset[b] = imageLength[b] > 0 ? p : -1;
            p += imageLength[b];
            dataOffset[b] = dataLength[b] > 0 ? p : -1;
            p += dataLength[b];
        }
        mainDataOffset = p;
        return this;
    }

    /** Decodes the current record of a reader. */
    public WalRecordBody decode(WalRecord record) {
        return decode(record.array(), record.totalLength(), record.serverMajor(), record.lsn(), record.timeline(),
            record.segmentSize());
    }

    private boolean isCompressed(int info) {
        return major >= 15
            ? (info & (BKPIMAGE_COMPRESS_PGLZ | BKPIMAGE_COMPRESS_LZ4 | BKPIMAGE_COMPRESS_ZSTD)) != 0
            : (info & BKPIMAGE_IS_COMPRESSED_13) != 0;
    }

    private static int u8(byte[] record, int p, long remaining, long lsn, int timeline, WalSegmentSize segmentSize) {
        need(1, remaining, lsn, timeline, segmentSize);
        return record[p] & 0xFF;
    }

    private static void need(int bytes, long remaining, long lsn, int timeline, WalSegmentSize segmentSize) {
        if (remaining < bytes) {
            throw bad(lsn, timeline, segmentSize, "record too short for its block headers (needs " + bytes
                + " more bytes, has " + remaining + ")");
        }
    }

    private static WalFormatException bad(long lsn, int timeline, WalSegmentSize segmentSize, String detail) {
        return new WalFormatException(Defect.BAD_RECORD_BODY, lsn, timeline == 0 ? 1 : timeline, segmentSize, detail);
    }

    public int blockCount() {
        return blockCount;
    }

    /** The block reference at {@code index} (0 ≤ index &lt; {@link #blockCount()}, in block id order). */
    public BlockReference block(int index) {
        if (index < 0 || index >= blockCount) {
            throw new IndexOutOfBoundsException("block index: " + index + " (expected: 0.." + (blockCount - 1) + ")");
        }
        int info = imageInfo[index];
        boolean hasImage = (forkFlags[index] & BlockReference.BKPBLOCK_HAS_IMAGE) != 0;
        ImageCompression compression = !hasImage ? ImageCompression.NONE
            : major >= 15 ? (info & BKPIMAGE_COMPRESS_PGLZ) != 0 ? ImageCompression.PGLZ
                : (info & BKPIMAGE_COMPRESS_LZ4) != 0 ? ImageCompression.LZ4
                : (info & BKPIMAGE_COMPRESS_ZSTD) != 0 ? ImageCompression.ZSTD : ImageCompression.NONE
            : (info & BKPIMAGE_IS_COMPRESSED_13) != 0 ? ImageCompression.COMPRESSED : ImageCompression.NONE;
        boolean apply = hasImage && (info & (major >= 15 ? BKPIMAGE_APPLY_15 : BKPIMAGE_APPLY_13)) != 0;
        return new BlockReference(blockId[index], forkFlags[index], spc[index], db[index], rel[index],
            blockNumber[index], dataOffset[index], dataLength[index], imageOffset[index], imageLength[index],
            holeOffset[index], holeLength[index], info, compression, apply);
    }

    /** {@code block_id} (0..32) of the reference at {@code index}, without building a {@link BlockReference}. */
    public int blockId(int index) {
        return blockId[index];
    }

    /** Block number of the reference at {@code index}, without building a {@link BlockReference}. */
    public long blockNumber(int index) {
        return blockNumber[index];
    }

    public long relation(int index) {
        return rel[index];
    }

    public long database(int index) {
        return db[index];
    }

    public long tablespace(int index) {
        return spc[index];
    }

    public int forkFlags(int index) {
        return forkFlags[index];
    }

    /** {@code RepOriginId} of the record, 0 (InvalidRepOriginId) when none. */
    public int origin() {
        return origin;
    }

    /** The top-level xid logged with a subtransaction's first record (14+), 0 when none. */
    public int toplevelXid() {
        return toplevelXid;
    }

    public int mainDataOffset() {
        return mainDataOffset;
    }

    public int mainDataLength() {
        return mainDataLength;
    }

    /** Sum of the stored image lengths; pg_waldump's "rec" length is {@code xl_tot_len} minus this. */
    public int fpiLength() {
        return fpiLength;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("WalRecordBody{blocks=").append(blockCount);
        for (int i = 0; i < blockCount; i++) {
            s.append(", #").append(blockId[i]).append(' ').append(spc[i]).append('/').append(db[i]).append('/')
                .append(rel[i]).append(" blk ").append(blockNumber[i]);
        }
        return s.append(", main data ").append(mainDataLength).append(" bytes at ").append(mainDataOffset)
            .append('}').toString();
    }
}
