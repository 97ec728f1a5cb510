package io.walstream.protocol.wal;

/**
 * {@code XLOG_PAGE_MAGIC}, the first two bytes of every WAL page; it changes whenever a major release changes the WAL
 * format, so it names the major version that wrote a page.
 */
public final class WalPageMagic {

    public static final int PG13 = 0xD106;
    public static final int PG14 = 0xD10D;
    public static final int PG15 = 0xD110;
    public static final int PG16 = 0xD113;
    public static final int PG17 = 0xD116;
    public static final int PG18 = 0xD118;

    public static final int MIN_MAJOR = 13;
    public static final int MAX_MAJOR = 18;

    private static final int[] BY_MAJOR = {PG13, PG14, PG15, PG16, PG17, PG18};

    private WalPageMagic() {
    }

    /** The page magic of a major version, 13 to 18. */
    public static int forMajor(int major) {
        if (major < MIN_MAJOR || major > MAX_MAJOR) {
            throw new IllegalArgumentException("PostgreSQL major version: " + major + " (expected: " + MIN_MAJOR + ".."
                + MAX_MAJOR + ")");
        }
        return BY_MAJOR[major - MIN_MAJOR];
    }

    /** The major version that writes pages with {@code magic}, or -1 if none of 13 to 18 does. */
    public static int majorOf(int magic) {
        for (int i = 0; i < BY_MAJOR.length; i++) {
            if (BY_MAJOR[i] == magic) {
                return MIN_MAJOR + i;
            }
        }
        return -1;
    }

    /** {@code D110}: four upper-case hex digits, as pg_waldump prints a magic. */
    public static String toHex(int magic) {
        String hex = Integer.toHexString(magic & 0xFFFF).toUpperCase();
        return "0000".substring(hex.length()) + hex;
    }
}
