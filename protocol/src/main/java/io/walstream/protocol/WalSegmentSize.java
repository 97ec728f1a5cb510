package io.walstream.protocol;

/** The size of a WAL segment file: a power of two from 1 MB to 1 GB ({@code wal_segment_size}). */
public record WalSegmentSize(int bytes) {

    public static final int MIN_BYTES = 1 << 20;
    public static final int MAX_BYTES = 1 << 30;
    public static final WalSegmentSize DEFAULT = new WalSegmentSize(16 << 20);

    public WalSegmentSize {
        if (bytes < MIN_BYTES || bytes > MAX_BYTES || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("WAL segment size: " + bytes + " (expected: a power of two from 1 MB to 1 GB)");
        }
    }

    public static WalSegmentSize ofBytes(int bytes) {
        return new WalSegmentSize(bytes);
    }

    public static WalSegmentSize ofMegabytes(int megabytes) {
        if (megabytes <= 0 || megabytes > MAX_BYTES >> 20) {
            throw new IllegalArgumentException("WAL segment size: " + megabytes + " MB (expected: a power of two from 1 MB to 1 GB)");
        }
        return new WalSegmentSize(megabytes << 20);
    }

    /** Parses the output of {@code SHOW wal_segment_size}: {@code 16MB}, {@code 1GB}, {@code 1024kB} or plain bytes. */
    public static WalSegmentSize parse(String text) {
        String s = text.trim();
        long unit = 1;
        if (s.endsWith("kB")) {
            unit = 1L << 10;
        } else if (s.endsWith("MB")) {
            unit = 1L << 20;
        } else if (s.endsWith("GB")) {
            unit = 1L << 30;
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 2);
        }
        long value;
        try {
            value = Long.parseLong(s.trim()) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid WAL segment size: \"" + text + "\" (expected: e.g. 16MB)");
        }
        if (value > MAX_BYTES || value < MIN_BYTES) {
            throw new IllegalArgumentException("WAL segment size: " + text + " (expected: a power of two from 1 MB to 1 GB)");
        }
        return new WalSegmentSize((int) value);
    }

    /** How many segments one "xlogid" (4 GB of WAL, the X part of a file name) holds. */
    public long segmentsPerXLogId() {
        return (1L << 32) >>> log2();
    }

    /** log2 of the size in bytes: segment number = LSN >>> log2(). */
    public int log2() {
        return Integer.numberOfTrailingZeros(bytes);
    }

    @Override
    public String toString() {
        return bytes >= 1 << 30 ? (bytes >> 30) + "GB" : (bytes >> 20) + "MB";
    }
}
