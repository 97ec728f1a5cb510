package io.walstream.cli;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalPageMagic;
import io.walstream.protocol.wal.XLogPageHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** Tiny valid PostgreSQL 17 archives for the commands' in-process tests: 1 MB segments on timeline 1. */
final class SyntheticArchive {

    static final WalSegmentSize SIZE = WalSegmentSize.ofMegabytes(1);
    static final long SYSID = 7_300_000_000_000_000_123L;

    private SyntheticArchive() {
    }

    /**
     * An identity file and segments {@code from..to}: each complete one holds one XLOG_SWITCH
     * record; with {@code lastPartial} the last is a {@code .partial} holding one 40-byte record.
     */
    static void write(Path dir, long from, long to, boolean lastPartial) throws IOException {
        Files.writeString(dir.resolve("walstream.identity"), "system_identifier=" + SYSID + "\nwal_segment_size="
            + SIZE.bytes() + "\n");
        for (long s = from; s <= to; s++) {
            boolean complete = s < to || !lastPartial;
            byte[] bytes = new byte[SIZE.bytes()];
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long start = s * SIZE.bytes();
            int length = complete ? 24 : 24 + 16;
            b.putShort(0, (short) WalPageMagic.PG17).putShort(2, (short) XLogPageHeader.XLP_LONG_HEADER).putInt(4, 1)
                .putLong(8, start).putLong(24, SYSID).putInt(32, SIZE.bytes()).putInt(36, XLogPageHeader.PAGE_SIZE);
            b.putInt(40, length).putLong(48, start - SIZE.bytes() + 40).put(56, (byte) (complete ? 0x40 : 0));
            CRC32C crc = new CRC32C();
            crc.update(bytes, 40 + 24, length - 24);
            crc.update(bytes, 40, 20);
            b.putInt(60, (int) crc.getValue());
            Files.write(dir.resolve(WalFileName.of(1, s, SIZE) + (complete ? "" : ".partial")), bytes);
        }
    }
}
