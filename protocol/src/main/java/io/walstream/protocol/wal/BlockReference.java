package io.walstream.protocol.wal;

/**
 * One block reference of a WAL record ({@code XLogRecordBlockHeader} and what follows it), with the offsets of its
 * image and data inside the assembled record.
 *
 * @param blockId        0..32
 * @param forkFlags      fork number in the low nibble, {@code BKPBLOCK_*} flags in the high one
 * @param tablespace     {@code RelFileLocator.spcOid}
 * @param database       {@code RelFileLocator.dbOid}
 * @param relation       {@code RelFileLocator.relNumber}
 * @param blockNumber    unsigned
 * @param dataOffset     where the block's data starts in the record, or -1
 * @param dataLength     0 without data
 * @param imageOffset    where the full-page image starts in the record, or -1
 * @param imageLength    {@code bimg_len}: bytes of the image as stored (without hole, maybe compressed), 0 without
 * @param holeOffset     {@code hole_offset}
 * @param holeLength     bytes of the page left out of the image
 * @param imageInfo      {@code bimg_info} as stored (bit meaning depends on the version)
 * @param imageCompression how the image is compressed
 * @param applyImage     the image is to be restored at replay ({@code BKPIMAGE_APPLY})
 */
public record BlockReference(int blockId, int forkFlags, long tablespace, long database, long relation,
                             long blockNumber, int dataOffset, int dataLength, int imageOffset, int imageLength,
                             int holeOffset, int holeLength, int imageInfo, ImageCompression imageCompression,
                             boolean applyImage) {

    public static final int BKPBLOCK_FORK_MASK = 0x0F;
    public static final int BKPBLOCK_HAS_IMAGE = 0x10;
    public static final int BKPBLOCK_HAS_DATA = 0x20;
    public static final int BKPBLOCK_WILL_INIT = 0x40;
    public static final int BKPBLOCK_SAME_REL = 0x80;

    /** Compression of a full-page image ({@code wal_compression}). */
    public enum ImageCompression {
        NONE, PGLZ, LZ4, ZSTD, /** 13 and 14 only say "compressed", which is always pglz there. */ COMPRESSED
    }

    /** 0 main, 1 fsm, 2 vm, 3 init. */
    public int forkNumber() {
        return forkFlags & BKPBLOCK_FORK_MASK;
    }

    public boolean hasImage() {
        return (forkFlags & BKPBLOCK_HAS_IMAGE) != 0;
    }

    public boolean hasData() {
        return (forkFlags & BKPBLOCK_HAS_DATA) != 0;
    }

    public boolean willInit() {
        return (forkFlags & BKPBLOCK_WILL_INIT) != 0;
    }

    /** {@code spc/db/rel}, as pg_waldump prints a relation. */
    public String relationPath() {
        return tablespace + "/" + database + "/" + relation;
    }
}
