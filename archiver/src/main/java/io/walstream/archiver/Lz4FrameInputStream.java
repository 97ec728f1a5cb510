package io.walstream.archiver;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import net.jpountz.xxhash.StreamingXXHash32;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Reads LZ4 frames (lz4's frame format, as pg_receivewal {@code --compress=lz4} writes them) with
 * linked blocks as well as independent ones. pg_receivewal lets liblz4 link each block to the
 * previous 64 KB, which lz4-java's own frame reader refuses; this one keeps that window.
 * Header, block and content checksums are checked when the frame has them; concatenated and
 * skippable frames are read as lz4 reads them. Kept over commons-compress's FramedLZ4CompressorInputStream, which
 * reads the same frames 29–190 times slower on real WAL (benchmarks/README.md, "LZ4 frames").
 */
public final class Lz4FrameInputStream extends InputStream {

    private static final int MAGIC = 0x184D2204;
    private static final int SKIPPABLE_MAGIC_MASK = 0xFFFFFFF0;
    private static final int SKIPPABLE_MAGIC = 0x184D2A50;
    private static final int WINDOW = 64 * 1024;
    private static final int MIN_MATCH = 4;
    private static final XXHash32 HASH = XXHashFactory.fastestInstance().hash32();

    private final InputStream in;
    private final byte[] header = new byte[15];
    private byte[] compressed = new byte[0];
    /** The last 64 KB of output (the linked blocks' dictionary), then the block being read. */
    private byte[] window = new byte[0];
    private int historyStart;
    private int readPos;
    private int limit;
    private long contentRead;

    private boolean inFrame;
    private boolean independent;
    private boolean blockChecksum;
    private boolean contentChecksum;
    private long contentSize = -1;
    private int maxBlock;
    private StreamingXXHash32 content;
    private boolean eof;

    public Lz4FrameInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (readPos == limit) {
            if (!nextBlock()) {
                return -1;
            }
        }
        int n = Math.min(len, limit - readPos);
        System.arraycopy(window, readPos, b, off, n);
        readPos += n;
        return n;
    }

    /** Decodes the next block into the window; false at the end of the last frame. */
    private boolean nextBlock() throws IOException {
        if (eof) {
            return false;
        }
        if (!inFrame && !readFrameHeader()) {
            eof = true;
            return false;
        }
        int word = readIntLE();
        if (word == 0) {
            endFrame();
            return true; // an empty step: the loop in read() asks again
        }
        boolean stored = (word & 0x80000000) != 0;
        int size = word & 0x7FFFFFFF;
        if (size > maxBlock) {
            throw malformed("block of " + size + " bytes in a frame of " + maxBlock + "-byte blocks");
        }
        if (compressed.length < size) {
            compressed = new byte[maxBlock];
        }
        readFully(compressed, 0, size);
        if (blockChecksum && readIntLE() != HASH.hash(compressed, 0, size, 0)) {
            throw malformed("block checksum mismatch");
        }
        keepHistory();
        int start = limit;
        limit = stored ? copyStored(size) : decodeBlock(size, independent ? start : historyStart);
        readPos = start;
        if (content != null) {
            content.update(window, start, limit - start);
        }
        contentRead += limit - start;
        return true;
    }

    /** Moves the last 64 KB of output to the front, so the next block can refer back into it. */
    private void keepHistory() {
        if (window.length < WINDOW + maxBlock) {
            byte[] bigger = new byte[WINDOW + maxBlock];
            System.arraycopy(window, 0, bigger, 0, limit);
            window = bigger;
        }
        int keep = independent ? 0 : Math.min(WINDOW, limit - historyStart);
        System.arraycopy(window, limit - keep, window, 0, keep);
        historyStart = 0;
        limit = keep;
        readPos = keep;
    }

    private int copyStored(int size) {
        System.arraycopy(compressed, 0, window, limit, size);
        return limit + size;
    }

    /** One LZ4 block (sequences of literals and matches) into {@code window} from {@code limit}. */
    private int decodeBlock(int size, int lowest) throws IOException {
        byte[] src = compressed;
        byte[] dst = window;
        int ip = 0;
        int op = limit;
        int outEnd = limit + maxBlock;
        while (true) {
            if (ip >= size) {
                throw malformed("block ends inside a sequence");
            }
            int token = src[ip++] & 0xFF;
            int literals = token >>> 4;
            if (literals == 15) {
                int b;
                do {
                    if (ip >= size) {
                        throw malformed("block ends inside a literal length");
                    }
                    b = src[ip++] & 0xFF;
                    literals += b;
                } while (b == 255);
            }
            if (literals > size - ip || literals > outEnd - op) {
                throw malformed("literals run past the block");
            }
            System.arraycopy(src, ip, dst, op, literals);
            ip += literals;
            op += literals;
            if (ip == size) {
                return op; // the last sequence is literals only
            }
            if (size - ip < 2) {
                throw malformed("block ends inside a match offset");
            }
            int offset = (src[ip] & 0xFF) | (src[ip + 1] & 0xFF) << 8;
            ip += 2;
            if (offset == 0 || op - offset < lowest) {
                throw malformed("match offset " + offset + " points before the data");
            }
            int match = (token & 0x0F) + MIN_MATCH;
            if ((token & 0x0F) == 15) {
                int b;
                do {
                    if (ip >= size) {
                        throw malformed("block ends inside a match length");
                    }
                    b = src[ip++] & 0xFF;
                    match += b;
                } while (b == 255);
            }
            if (match > outEnd - op) {
                throw malformed("match runs past the block size");
            }
            int from = op - offset;
            if (offset >= match) {
                System.arraycopy(dst, from, dst, op, match);
                op += match;
            } else {
                for (int i = 0; i < match; i++) {
                    dst[op++] = dst[from++]; // overlapping: repeats the last offset bytes
                }
            }
        }
    }

    /** Reads the next frame's header, skipping skippable frames; false at a clean end of input. */
    private boolean readFrameHeader() throws IOException {
        while (true) {
            int first = in.read();
            if (first == -1) {
                return false;
            }
            int magic = first | readIntLE(3) << 8;
            if ((magic & SKIPPABLE_MAGIC_MASK) == SKIPPABLE_MAGIC) {
                in.skipNBytes(readIntLE() & 0xFFFFFFFFL);
                continue;
            }
            if (magic != MAGIC) {
                throw malformed(String.format("not an LZ4 frame (magic %08x)", magic));
            }
            break;
        }
        readFully(header, 0, 2);
        int flg = header[0] & 0xFF;
        int bd = header[1] & 0xFF;
        if ((flg >>> 6) != 1) {
            throw malformed("LZ4 frame version " + (flg >>> 6));
        }
        if ((flg & 0x01) != 0) {
            throw malformed("LZ4 frames with a dictionary ID are not supported");
        }
        independent = (flg & 0x20) != 0;
        blockChecksum = (flg & 0x10) != 0;
        boolean hasSize = (flg & 0x08) != 0;
        contentChecksum = (flg & 0x04) != 0;
        int sizeCode = (bd >>> 4) & 0x07;
        if (sizeCode < 4) {
            throw malformed("LZ4 block size code " + sizeCode);
        }
        maxBlock = 1 << (8 + 2 * sizeCode);
        int n = 2;
        if (hasSize) {
            readFully(header, n, 8);
            n += 8;
        }
        readFully(header, n, 1);
        int expected = (HASH.hash(header, 0, n, 0) >>> 8) & 0xFF;
        if ((header[n] & 0xFF) != expected) {
            throw malformed("LZ4 frame header checksum mismatch");
        }
        contentSize = -1;
        if (hasSize) {
            long v = 0;
            for (int i = 9; i >= 2; i--) {
                v = v << 8 | (header[i] & 0xFF);
            }
            contentSize = v;
        }
        content = contentChecksum ? XXHashFactory.fastestInstance().newStreamingHash32(0) : null;
        contentRead = 0;
        historyStart = limit; // nothing before this frame may be referred to
        inFrame = true;
        return true;
    }

    private void endFrame() throws IOException {
        if (contentChecksum && readIntLE() != content.getValue()) {
            throw malformed("content checksum mismatch");
        }
        if (contentSize >= 0 && contentSize != contentRead) {
            throw malformed("frame holds " + contentRead + " bytes, its header says " + contentSize);
        }
        inFrame = false;
    }

    private int readIntLE() throws IOException {
        return readIntLE(4);
    }

    private int readIntLE(int bytes) throws IOException {
        int v = 0;
        for (int i = 0; i < bytes; i++) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("LZ4 frame is truncated");
            }
            v |= b << (8 * i);
        }
        return v;
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
        if (in.readNBytes(b, off, len) != len) {
            throw new EOFException("LZ4 frame is truncated");
        }
    }

    private static IOException malformed(String what) {
        return new IOException("malformed LZ4 frame: " + what);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
