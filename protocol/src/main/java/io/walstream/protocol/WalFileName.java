package io.walstream.protocol;

/**
 * The name of a WAL segment file, {@code TTTTTTTTXXXXXXXXYYYYYYYY} with an optional compression suffix and an
 * optional {@code .partial}, as pg_receivewal writes them; plus helpers for {@code .history} and
 * {@code .backup} file names. X = segment number / segments per xlogid, Y = segment number % segments per xlogid.
 */
public record WalFileName(int timeline, long segmentNumber, WalSegmentSize segmentSize, Compression compression, boolean partial) {

    private static final int SEGMENT_NAME_LENGTH = 24;
    private static final String PARTIAL = ".partial";
    private static final String HISTORY = ".history";
    private static final String BACKUP = ".backup";

    /** Compression suffixes of archived segments. */
    public enum Compression {
        NONE(""), GZIP(".gz"), LZ4(".lz4"), ZSTD(".zst");

        private final String suffix;

        Compression(String suffix) {
            this.suffix = suffix;
        }

        public String suffix() {
            return suffix;
        }
    }

    public WalFileName {
        if (segmentSize == null || compression == null) {
            throw new NullPointerException(segmentSize == null ? "segmentSize" : "compression");
        }
        long segmentsPerLsnSpace = 1L << (64 - segmentSize.log2());
        if (segmentNumber < 0 || segmentNumber >= segmentsPerLsnSpace) {
            throw new IllegalArgumentException("segment number: " + segmentNumber + " (expected: 0.." + (segmentsPerLsnSpace - 1) + ")");
        }
    }

    /** The plain name of the segment that contains {@code lsn} on {@code timeline}. */
    public static WalFileName of(int timeline, Lsn lsn, WalSegmentSize segmentSize) {
        return new WalFileName(timeline, lsn.segmentNumber(segmentSize), segmentSize, Compression.NONE, false);
    }

    public static WalFileName of(int timeline, long segmentNumber, WalSegmentSize segmentSize) {
        return new WalFileName(timeline, segmentNumber, segmentSize, Compression.NONE, false);
    }

    /**
     * Parses a segment file name, with or without suffixes.
     *
     * @throws IllegalArgumentException if {@code name} is not one, or its Y part is out of range for the segment size
     */
    public static WalFileName parse(String name, WalSegmentSize segmentSize) {
        if (!isWalFileName(name)) {
            throw new IllegalArgumentException("not a WAL segment file name: \"" + name + "\"");
        }
        String suffixes = name.substring(SEGMENT_NAME_LENGTH);
        boolean partial = suffixes.endsWith(PARTIAL);
        Compression compression = compressionOf(partial ? suffixes.substring(0, suffixes.length() - PARTIAL.length()) : suffixes);
        int timeline = Integer.parseUnsignedInt(name, 0, 8, 16);
        long xlogId = Long.parseLong(name, 8, 16, 16);
        long segmentInXLogId = Long.parseLong(name, 16, 24, 16);
        if (segmentInXLogId >= segmentSize.segmentsPerXLogId()) {
            throw new IllegalArgumentException("WAL file name \"" + name + "\": segment part " + name.substring(16, 24)
                + " (expected: < " + Long.toHexString(segmentSize.segmentsPerXLogId()).toUpperCase() + " for " + segmentSize + " segments)");
        }
        return new WalFileName(timeline, xlogId * segmentSize.segmentsPerXLogId() + segmentInXLogId, segmentSize, compression, partial);
    }

    /** True for {@code TTTTTTTTXXXXXXXXYYYYYYYY} plus optionally {@code .gz}/{@code .lz4}/{@code .zst}, then optionally {@code .partial}. */
    public static boolean isWalFileName(String name) {
        if (name == null || name.length() < SEGMENT_NAME_LENGTH || !isUpperHex(name, 0, SEGMENT_NAME_LENGTH)) {
            return false;
        }
        String suffixes = name.substring(SEGMENT_NAME_LENGTH);
        if (suffixes.endsWith(PARTIAL)) {
            suffixes = suffixes.substring(0, suffixes.length() - PARTIAL.length());
        }
        return compressionOf(suffixes) != null;
    }

    /** True for {@code TTTTTTTT.history}. */
    public static boolean isHistoryFileName(String name) {
        return name != null && name.length() == 8 + HISTORY.length() && isUpperHex(name, 0, 8) && name.endsWith(HISTORY);
    }

    /** True for a backup history file, {@code TTTTTTTTXXXXXXXXYYYYYYYY.OOOOOOOO.backup}. */
    public static boolean isBackupHistoryFileName(String name) {
        return name != null && name.length() == SEGMENT_NAME_LENGTH + 1 + 8 + BACKUP.length()
            && isUpperHex(name, 0, SEGMENT_NAME_LENGTH) && name.charAt(SEGMENT_NAME_LENGTH) == '.'
            && isUpperHex(name, SEGMENT_NAME_LENGTH + 1, SEGMENT_NAME_LENGTH + 9) && name.endsWith(BACKUP);
    }

    public static String historyFileName(int timeline) {
        return hex8(timeline) + HISTORY;
    }

    /** The timeline of a {@code TTTTTTTT.history} file name. */
    public static int parseHistoryFileName(String name) {
        if (!isHistoryFileName(name)) {
            throw new IllegalArgumentException("not a timeline history file name: \"" + name + "\" (expected: TTTTTTTT.history)");
        }
        return Integer.parseUnsignedInt(name, 0, 8, 16);
    }

    /** The name of the backup history file for a backup that started at {@code start} on {@code timeline}. */
    public static String backupHistoryFileName(int timeline, Lsn start, WalSegmentSize segmentSize) {
        return of(timeline, start, segmentSize) + "." + hex8(start.segmentOffset(segmentSize)) + BACKUP;
    }

    public Lsn startLsn() {
        return Lsn.of(segmentNumber << segmentSize.log2());
    }

    /** The first byte after this segment. */
    public Lsn endLsn() {
        return Lsn.of((segmentNumber + 1) << segmentSize.log2());
    }

    public WalFileName withCompression(Compression newCompression) {
        return new WalFileName(timeline, segmentNumber, segmentSize, newCompression, partial);
    }

    public WalFileName withPartial(boolean isPartial) {
        return new WalFileName(timeline, segmentNumber, segmentSize, compression, isPartial);
    }

    /** The 24 hex digits without any suffix. */
    public String segmentName() {
        long perXLogId = segmentSize.segmentsPerXLogId();
        return hex8(timeline) + hex8((int) (segmentNumber / perXLogId)) + hex8((int) (segmentNumber % perXLogId));
    }

    @Override
    public String toString() {
        return segmentName() + compression.suffix + (partial ? PARTIAL : "");
    }

    private static Compression compressionOf(String suffix) {
        for (Compression c : Compression.values()) {
            if (c.suffix.equals(suffix)) {
                return c;
            }
        }
        return null;
    }

    private static boolean isUpperHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }

    private static String hex8(int value) {
        String hex = Integer.toHexString(value).toUpperCase();
        return "00000000".substring(hex.length()) + hex;
    }
}
