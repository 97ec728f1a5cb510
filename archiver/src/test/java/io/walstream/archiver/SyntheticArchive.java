package io.walstream.archiver;

import io.walstream.archiver.store.ArchiveDirectory;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalPageMagic;
import io.walstream.protocol.wal.XLogPageHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import java.util.zip.GZIPOutputStream;

/**
 * Test fixture: 1 MB segments as PostgreSQL 17 writes them after {@code pg_switch_wal()}: a long page header, one
 * record (an XLOG_SWITCH for complete segments, so the rest is never read; a plain XLOG record then zeros for a
 * {@code .partial}), with prev-links that chain from segment to segment.
 */
public final class SyntheticArchive {

    public static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
    static final long SYSID = 7_300_000_000_000_000_123L;
    private static final int SWITCH_INFO = 0x40;

    private final Path dir;

    public SyntheticArchive(Path dir) {
        this.dir = dir;
    }

    public static String name(int tli, long segno) {
        return WalFileName.of(tli, segno, SIZE).toString();
    }

    static long start(long segno) {
        return segno * SIZE.bytes();
    }

    SyntheticArchive identity(long sysid) throws IOException {
        Files.writeString(dir.resolve(ArchiveDirectory.IDENTITY_FILE), "system_identifier="
            + Long.toUnsignedString(sysid) + "\nwal_segment_size=" + SIZE.bytes() + "\n");
        return this;
    }

    public SyntheticArchive identity() throws IOException {
        return identity(SYSID);
    }

    SyntheticArchive history(int tli, String content) throws IOException {
        Files.writeString(dir.resolve(WalFileName.historyFileName(tli)), content, StandardCharsets.UTF_8);
        return this;
    }

    /** Complete segments {@code from..to} on {@code tli}. */
    public SyntheticArchive complete(int tli, long from, long to) throws IOException {
        for (long s = from; s <= to; s++) {
            Files.write(dir.resolve(name(tli, s)), segment(tli, s, true));
        }
        return this;
    }

    public SyntheticArchive partial(int tli, long segno) throws IOException {
        Files.write(dir.resolve(name(tli, segno) + ".partial"), segment(tli, segno, false));
        return this;
    }

    /** Writes {@code file.gz} next to {@code file}; keeps the original unless {@code replace}. */
    SyntheticArchive gzip(String file, boolean replace) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(file + ".gz")))) {
            out.write(Files.readAllBytes(dir.resolve(file)));
        }
        if (replace) {
            Files.delete(dir.resolve(file));
        }
        return this;
    }

    /** The segment's bytes: page 0 with its long header and one record; zeros after. */
    static byte[] segment(int tli, long segno, boolean complete) {
        byte[] bytes = new byte[SIZE.bytes()];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long start = start(segno);
        b.putShort(0, (short) WalPageMagic.PG17);
        b.putShort(2, (short) XLogPageHeader.XLP_LONG_HEADER);
        b.putInt(4, tli);
        b.putLong(8, start);
        b.putInt(16, 0);
        b.putLong(24, SYSID);
        b.putInt(32, SIZE.bytes());
        b.putInt(36, XLogPageHeader.PAGE_SIZE);
        int at = XLogPageHeader.LONG_SIZE;
        int length = complete ? 24 : 24 + 16;
        b.putInt(at, length);
        b.putInt(at + 4, 0);
        b.putLong(at + 8, start - SIZE.bytes() + XLogPageHeader.LONG_SIZE); // the previous segment's record
        b.put(at + 16, (byte) (complete ? SWITCH_INFO : 0x00));
        b.put(at + 17, (byte) 0); // RM_XLOG_ID
        for (int i = 24; i < length; i++) {
            bytes[at + i] = (byte) i;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, at + 24, length - 24);
        crc.update(bytes, at, 20);
        b.putInt(at + 20, (int) crc.getValue());
        return bytes;
    }
}
