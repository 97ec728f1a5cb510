package io.walstream.protocol;

/**
 * A WAL location (log sequence number): an unsigned 64-bit byte position, written {@code X/X} in hex.
 * Ordering is unsigned.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    /** {@code 0/0}, PostgreSQL's InvalidXLogRecPtr; also "unknown" in standby status updates. */
    public static final Lsn INVALID = new Lsn(0);

    public static Lsn of(long value) {
        return value == 0 ? INVALID : new Lsn(value);
    }

    /**
     * Parses {@code X/X} as PostgreSQL prints it, also the zero-padded {@code %X/%08X} form, upper or lower case.
     * Each half is 1 to 8 hex digits; the low word is unsigned.
     */
    public static Lsn parse(CharSequence text) {
        if (text == null) {
            throw new IllegalArgumentException("LSN text: null (expected: X/X in hex)");
        }
        int length = text.length();
        int slash = -1;
        for (int i = 0; i < length; i++) {
            if (text.charAt(i) == '/') {
                slash = i;
                break;
            }
        }
        if (slash < 1 || slash > 8 || length - slash - 1 < 1 || length - slash - 1 > 8) {
            throw invalid(text);
        }
        long high = parseHex(text, 0, slash);
        long low = parseHex(text, slash + 1, length);
        if (high < 0 || low < 0) {
            throw invalid(text);
        }
        return of(high << 32 | low);
    }

    private static long parseHex(CharSequence text, int from, int to) {
        long result = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            int digit;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            } else if (c >= 'A' && c <= 'F') {
                digit = c - 'A' + 10;
            } else if (c >= 'a' && c <= 'f') {
                digit = c - 'a' + 10;
            } else {
                return -1;
            }
            result = result << 4 | digit;
        }
        return result;
    }

    private static IllegalArgumentException invalid(CharSequence text) {
        return new IllegalArgumentException("invalid LSN: \"" + text + "\" (expected: X/X with 1 to 8 hex digits each)");
    }

    public boolean isValid() {
        return value != 0;
    }

    /** This position moved forward by {@code bytes}; fails on unsigned overflow. */
    public Lsn plus(long bytes) {
        if (bytes < 0) {
            return minus(-bytes);
        }
        long result = value + bytes;
        if (Long.compareUnsigned(result, value) < 0) {
            throw new ArithmeticException("LSN overflow: " + this + " + " + bytes);
        }
        return of(result);
    }

    /** This position moved back by {@code bytes}; fails below 0/0. */
    public Lsn minus(long bytes) {
        if (bytes < 0) {
            return plus(-bytes);
        }
        if (Long.compareUnsigned(value, bytes) < 0) {
            throw new ArithmeticException("LSN underflow: " + this + " - " + bytes);
        }
        return of(value - bytes);
    }

    /** Bytes from {@code earlier} to this position; negative when {@code earlier} is after this one. */
    public long bytesSince(Lsn earlier) {
        return value - earlier.value;
    }

    public long segmentNumber(WalSegmentSize segmentSize) {
        return value >>> segmentSize.log2();
    }

    public int segmentOffset(WalSegmentSize segmentSize) {
        return (int) (value & (segmentSize.bytes() - 1));
    }

    /** The first byte of the segment that contains this position. */
    public Lsn segmentStart(WalSegmentSize segmentSize) {
        return of(value & -(long) segmentSize.bytes());
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    /** {@code %X/%X}, as PostgreSQL prints it. */
    @Override
    public String toString() {
        return format(value);
    }

    /** Formats a raw LSN value as {@code %X/%X} without creating an {@code Lsn}. */
    public static String format(long value) {
        // One String and its array, rather than the five of toHexString().toUpperCase() and concatenation.
        int high = (int) (value >>> 32);
        int low = (int) value;
        int highDigits = hexDigits(high);
        int lowDigits = hexDigits(low);
        byte[] text = new byte[highDigits + 1 + lowDigits];
        putHex(text, 0, high, highDigits);
        text[highDigits] = '/';
        putHex(text, highDigits + 1, low, lowDigits);
        return new String(text, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static final byte[] HEX_DIGITS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};

    private static int hexDigits(int v) {
        return v == 0 ? 1 : (35 - Integer.numberOfLeadingZeros(v)) >> 2;
    }

    private static void putHex(byte[] text, int at, int v, int digits) {
        for (int i = at + digits - 1; i >= at; i--) {
            text[i] = HEX_DIGITS[v & 0xF];
            v >>>= 4;
        }
    }
}
