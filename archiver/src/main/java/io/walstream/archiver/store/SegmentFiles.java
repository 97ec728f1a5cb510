package io.walstream.archiver.store;

import io.walstream.archiver.Lz4FrameInputStream;

import com.github.luben.zstd.ZstdInputStream;
import io.walstream.protocol.WalFileName;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reading archived segments whatever their compression: the one place that knows the suffixes' formats. */
public final class SegmentFiles {

    private SegmentFiles() {
    }

    /** The segment's plain bytes as a stream: gzip (.gz), LZ4 frame (.lz4, as pg_receivewal writes), zstd (.zst). */
    public static InputStream openDecompressed(Path file, WalFileName.Compression compression) throws IOException {
        return decompress(Files.newInputStream(file), compression);
    }

    /** Wraps a stored file's bytes (closed with the result, or on failure) in the decoder its compression needs. */
    public static InputStream decompress(InputStream stored, WalFileName.Compression compression) throws IOException {
        InputStream raw = new BufferedInputStream(stored, 1 << 16);
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
        return openDecompressed(file, compressionOf(file.getFileName().toString()));
    }

    /** Opens a file of {@code store} by its name, decompressing by its suffix. */
    public static InputStream openDecompressed(WalStore store, String name) throws IOException {
        return decompress(store.open(name), compressionOf(name));
    }

    /** The compression a stored file's name says it has ({@code .partial} aside). */
    public static WalFileName.Compression compressionOf(String name) {
        String stored = name.endsWith(".partial") ? name.substring(0, name.length() - ".partial".length()) : name;
        for (WalFileName.Compression c : WalFileName.Compression.values()) {
            if (c != WalFileName.Compression.NONE && stored.endsWith(c.suffix())) {
                return c;
            }
        }
        return WalFileName.Compression.NONE;
    }

    /** The whole plain content of an archived segment. */
    public static byte[] readDecompressed(Path file) throws IOException {
        try (InputStream in = openDecompressed(file)) {
            return in.readAllBytes();
        }
    }

    /**
     * Copies the first {@code length} bytes of {@code in} to {@code out}'s position 0 on, in the kernel (sendfile);
     * the one copy loop of the store package.
     *
     * @throws IOException naming {@code what} when {@code in} ends before {@code length}
     */
    static void transferFully(FileChannel in, long length, FileChannel out, String what) throws IOException {
        for (long done = 0; done < length; ) {
            long n = in.transferTo(done, length - done, out);
            if (n <= 0) {
                throw new IOException(what + " ended at " + done + " of " + length + " bytes");
            }
            done += n;
        }
    }
}
