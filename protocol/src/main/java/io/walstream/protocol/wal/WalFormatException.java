package io.walstream.protocol.wal;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgWalException;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;

/**
 * WAL bytes that PostgreSQL would not accept, in one line: what is wrong, where (LSN and segment file) and the values
 * seen, e.g. {@code record CRC mismatch at 0/3000128 in 000000010000000000000003: expected 1a2b3c4d, computed
 * 5e6f7a8b}.
 */
public final class WalFormatException extends PgWalException {

    private static final long serialVersionUID = 1L;

    /** What kind of defect; {@link #description()} starts the message. */
    public enum Defect {
        BAD_MAGIC("invalid page magic"),
        BAD_PAGE_INFO("invalid page info bits"),
        BAD_LONG_HEADER("invalid long page header"),
        SYSTEM_ID_MISMATCH("WAL from a different database system"),
        BAD_SEGMENT_SIZE("wrong segment size in page header"),
        BAD_BLOCK_SIZE("wrong page size in page header"),
        BAD_PAGE_ADDRESS("unexpected page address"),
        BAD_TIMELINE("unexpected page timeline"),
        BAD_CONTRECORD("invalid record continuation"),
        BAD_RECORD_LENGTH("invalid record length"),
        BAD_RMGR("invalid resource manager id"),
        BAD_PREV_LINK("record with incorrect prev-link"),
        CRC_MISMATCH("record CRC mismatch"),
        BAD_RECORD_BODY("invalid record body"),
        DATA_AFTER_END("data after end of WAL"),
        BAD_UNUSED_SPACE("non-zero bytes in unused WAL space"),
        NOT_CONTIGUOUS("WAL chunk out of sequence"),
        TRUNCATED("WAL ends inside a record");

        private final String description;

        Defect(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    private final Defect defect;
    private final long lsn;
    private final WalFileName fileName;
    private final String detail;

    /**
     * @param lsn      where the defect is: the page for page header defects, the record's start for record defects
     * @param timeline the timeline whose segment file holds it (names the file)
     * @param detail   the values seen, in the {@code (expected: ...)} form
     */
    public WalFormatException(Defect defect, long lsn, int timeline, WalSegmentSize segmentSize, String detail) {
        this(defect, lsn, WalFileName.of(timeline, Lsn.of(lsn), segmentSize), detail);
    }

    private WalFormatException(Defect defect, long lsn, WalFileName fileName, String detail) {
        super(defect.description + " at " + Lsn.format(lsn) + " in " + fileName
            + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.defect = defect;
        this.lsn = lsn;
        this.fileName = fileName;
        this.detail = detail;
    }

    public Defect defect() {
        return defect;
    }

    public Lsn lsn() {
        return Lsn.of(lsn);
    }

    public WalFileName fileName() {
        return fileName;
    }

    /** The part of the message after the file name. */
    public String detail() {
        return detail;
    }
}
