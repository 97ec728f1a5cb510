package io.walstream.archiver.store;

import io.walstream.archiver.Lz4FrameInputStream;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStream;
import io.walstream.protocol.WalFileName;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
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

    /**
     * The whole plain content of a file of {@code store} that should hold {@code plainSize} bytes (a segment), in a
     * new array of that size when it does. zstd is decompressed in one call on the whole stored file, which is faster
     * than the stream (benchmarks/README.md, "zstd decoding in serve"); a file the call refuses (damaged, or longer
     * than {@code plainSize}) is read again by the stream, whose error or whole content says what is wrong. Content of
     * another size comes back at its size, for the caller's size check to name.
     */
    public static byte[] readDecompressed(WalStore store, String name, int plainSize) throws IOException {
        WalFileName.Compression compression = compressionOf(name);
        if (compression != WalFileName.Compression.ZSTD) {
            try (InputStream in = decompress(store.open(name), compression)) {
                return readWhole(in, plainSize);
            }
        }
        byte[] stored;
        try (InputStream in = store.open(name)) {
            stored = in.readAllBytes();
        }
        byte[] plain = new byte[plainSize];
        try {
            long n = Zstd.decompressByteArray(plain, 0, plain.length, stored, 0, stored.length);
            if (!Zstd.isError(n)) {
                return n == plain.length ? plain : java.util.Arrays.copyOf(plain, (int) n);
            }
        } catch (ZstdException refused) {
            // damaged or too long: the stream below says which
        }
        try (InputStream in = decompress(new ByteArrayInputStream(stored), compression)) {
            return readWhole(in, plainSize);
        }
    }

    /**
     * All of {@code in}, read in one call into an array of {@code expected} bytes: a decoder then works in large blocks
     * (readAllBytes' small reads cost a JNI call each in zstd-jni, three times the decompression).
     */
    private static byte[] readWhole(InputStream in, int expected) throws IOException {
        byte[] whole = new byte[expected];
        int n = in.readNBytes(whole, 0, whole.length);
        if (n < whole.length) {
            return java.util.Arrays.copyOf(whole, n);
        }
        byte[] more = in.readAllBytes();
        if (more.length == 0) {
            return whole;
        }
        byte[] longer = java.util.Arrays.copyOf(whole, whole.length + more.length);
        System.arraycopy(more, 0, longer, whole.length, more.length);
        return longer;
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
