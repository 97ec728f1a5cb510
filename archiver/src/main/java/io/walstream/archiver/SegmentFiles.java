package io.walstream.archiver;

import com.github.luben.zstd.ZstdInputStream;
import io.walstream.protocol.WalFileName;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reading archived segments whatever their compression: the one place that knows the suffixes' formats. */
public final class SegmentFiles {

    private SegmentFiles() {
    }

    /** The segment's plain bytes as a stream: gzip (.gz), LZ4 frame (.lz4, as pg_receivewal writes), zstd (.zst). */
    public static InputStream openDecompressed(Path file, WalFileName.Compression compression) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return switch (compression) {
                case NONE -> raw;
                case GZIP -> new GZIPInputStream(raw, 1 << 16);
                case LZ4 -> new Lz4FrameInputStream(raw); // also pg_receivewal's linked blocks
                case ZSTD -> new ZstdInputStream(raw);
            };
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Opens an archived file by its name, decompressing by its suffix. */
    public static InputStream openDecompressed(Path file) throws IOException {
        String name = file.getFileName().toString();
        WalFileName.Compression compression = WalFileName.Compression.NONE;
        for (WalFileName.Compression c : WalFileName.Compression.values()) {
            if (c != WalFileName.Compression.NONE && name.replace(".partial", "").endsWith(c.suffix())) {
                compression = c;
            }
        }
        return openDecompressed(file, compression);
    }

    /** The whole plain content of an archived segment. */
    public static byte[] readDecompressed(Path file) throws IOException {
        try (InputStream in = openDecompressed(file)) {
            return in.readAllBytes();
        }
    }
}
