package io.walstream.archiver.compress;

import io.walstream.protocol.WalFileName;

/**
 * How completed segments are compressed: {@code none}, {@code gzip[:N]}, {@code lz4}, {@code zstd[:N]}
 * (pg_receivewal's --compress spelling).
 */
public record SegmentCompression(WalFileName.Compression method, int level) {

    public static final SegmentCompression NONE = new SegmentCompression(WalFileName.Compression.NONE, 0);

    public SegmentCompression {
        int max = switch (method) {
            case NONE -> 0;
            case GZIP -> 9;
            case LZ4 -> 12;
            case ZSTD -> 22;
        };
        if (level < 0 || level > max) {
            throw new IllegalArgumentException("compression level " + level + " for " + name(method)
                    + " (expected: 0.." + max + ")");
        }
    }

    /** Parses {@code none | gzip[:N] | lz4[:N] | zstd[:N]}; also pg_receivewal's {@code method:level=N}. */
    public static SegmentCompression parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        String method = t;
        String level = null;
        int colon = t.indexOf(':');
        if (colon >= 0) {
            method = t.substring(0, colon);
            level = t.substring(colon + 1);
            if (level.startsWith("level=")) {
                level = level.substring("level=".length());
            }
        }
        WalFileName.Compression m = switch (method) {
            case "none", "off" -> WalFileName.Compression.NONE;
            case "gzip" -> WalFileName.Compression.GZIP;
            case "lz4" -> WalFileName.Compression.LZ4;
            case "zstd" -> WalFileName.Compression.ZSTD;
            default -> throw new IllegalArgumentException("unknown compression \"" + text
                    + "\" (expected: none, gzip[:N], lz4, zstd[:N])");
        };
        int n;
        try {
            n = level == null ? defaultLevel(m) : Integer.parseInt(level);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("compression level \"" + level + "\" is not a number");
        }
        return new SegmentCompression(m, n);
    }

    private static int defaultLevel(WalFileName.Compression m) {
        return switch (m) {
            case NONE -> 0;
            case GZIP -> 6;
            case LZ4 -> 0;
            case ZSTD -> 3;
        };
    }

    private static String name(WalFileName.Compression m) {
        return m.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
        return method == WalFileName.Compression.NONE ? "none" : name(method) + ":" + level;
    }
}
