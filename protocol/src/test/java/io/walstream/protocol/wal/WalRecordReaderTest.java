package io.walstream.protocol.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.BlockReference.ImageCompression;
import io.walstream.protocol.wal.WalFormatException.Defect;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class WalRecordReaderTest {

    private static final int MB = 1 << 20;
    private static final WalSegmentSize SEG = WalSegmentSize.ofMegabytes(1);
    private static final long BASE = 3L * MB;

    @Test
    void readsTheSameRecordsTheVerifierVerifiesWithTheirBytes() {
        SyntheticWal wal = WalStreamVerifierTest.mixed(15);
        List<Long> lsns = new ArrayList<>();
        try (WalRecordReader reader = WalRecordReader.of(wal.bytes, BASE, SEG)) {
            while (reader.next()) {
                WalRecord r = reader.record();
                lsns.add(r.lsn());
                assertThat(r.crcValid()).isTrue();
                assertThat(r.endLsn()).isEqualTo(wal.ends.get(lsns.size() - 1));
                assertThat(r.serverMajor()).isEqualTo(15);
                if (!r.isSwitch()) {
                    WalRecordBody body = r.body();
                    assertThat(body.blockCount()).isZero();
                    assertThat(body.mainDataOffset() + body.mainDataLength()).isEqualTo(r.totalLength());
                    // main data as the fixture wrote it: (i * 31 + seed * 7 + 1) over the body bytes
                    int first = body.mainDataOffset();
                    if (body.mainDataLength() > 0) {
                        byte expected = (byte) ((first - XLogRecordHeader.SIZE) * 31 + 1 + 7 * seedOf(r, body));
                        assertThat(r.array()[first]).isEqualTo(expected);
                    }
                }
            }
            assertThat(reader.endOfWal()).isTrue();
            assertThat(reader.systemIdentifier()).isEqualTo(SyntheticWal.SYSID);
        }
        assertThat(lsns).isEqualTo(wal.records);
    }

    private static int seedOf(WalRecord r, WalRecordBody body) {
        // The fixture seeds with the record's index; recover it from the first data byte instead of tracking it.
        int first = body.mainDataOffset();
        int b = r.array()[first] & 0xFF;
        for (int seed = 0; seed < 100_000; seed++) {
            if ((byte) ((first - XLogRecordHeader.SIZE) * 31 + 1 + 7 * seed) == (byte) b) {
                return seed;
            }
        }
        throw new AssertionError();
    }

    @Test
    void readsSegmentFilesAndStopsAtTheEndOfAPartialOne(@TempDir Path dir) throws Exception {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 3, 14, 1);
        while (wal.position() < BASE + 2 * MB + 1000) {
            wal.append(7000);
        }
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WalFileName name = WalFileName.of(1, 3 + i, SEG).withPartial(i == 2);
            Path f = dir.resolve(name.toString());
            Files.write(f, Arrays.copyOfRange(wal.bytes, i * MB, (i + 1) * MB));
            files.add(f);
        }
        List<Long> lsns = new ArrayList<>();
        try (WalRecordReader reader = WalRecordReader.open(List.of(files.get(2), files.get(0), files.get(1)))) {
            while (reader.next()) {
                lsns.add(reader.record().lsn());
            }
            assertThat(reader.endOfWal()).isTrue();
            assertThat(reader.segmentSize()).isEqualTo(SEG);
            assertThat(reader.serverMajor()).isEqualTo(14);
        }
        assertThat(lsns).isEqualTo(wal.records);

        // A missing segment in the middle is a gap, named.
        assertThatThrownBy(() -> {
            try (WalRecordReader reader = WalRecordReader.open(List.of(files.get(0), files.get(2)))) {
                while (reader.next()) {
                    // read on
                }
            }
        }).isInstanceOf(WalFormatException.class)
            .satisfies(e -> assertThat(((WalFormatException) e).defect()).isEqualTo(Defect.NOT_CONTIGUOUS))
            .hasMessageContaining("000000010000000000000005.partial starts at 0/500000 (expected: 0/400000)");
    }

    @Test
    void toleratesCrcMismatchWhenAskedTo() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 1, 15, 1);
        wal.append(100);
        wal.append(100);
        wal.bytes[wal.off(wal.records.get(0)) + 40] ^= 1;
        try (WalRecordReader reader = WalRecordReader.of(wal.bytes, 0, wal.bytes.length, BASE, SEG,
            new WalRecordReader.Options(1, 0, 15, false))) {
            assertThat(reader.next()).isTrue();
            assertThat(reader.record().crcValid()).isFalse();
            assertThat(reader.next()).isTrue();
            assertThat(reader.record().crcValid()).isTrue();
            assertThat(reader.recordsVerified()).isEqualTo(1);
        }
        try (WalRecordReader reader = WalRecordReader.of(wal.bytes, BASE, SEG)) {
            assertThatThrownBy(reader::next).isInstanceOf(WalFormatException.class)
                .hasMessageStartingWith("record CRC mismatch at 0/300028 in 000000010000000000000003: expected ");
            assertThat(reader.next()).isFalse();
        }
    }

    // ------------------------------------------------------------ body decoding

    /** Block 0: image with a hole plus data; block 1: same relation, data only; origin; top-level xid; long main data. */
    private static byte[] bodyWithBlocks(int major, int bimgInfo, boolean compressed) {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(200).order(ByteOrder.LITTLE_ENDIAN);
        int imageLength = compressed ? 3000 : 8192 - 4000;
        b.put((byte) 0).put((byte) (0x10 | 0x20 | 0x02)).putShort((short) 10); // block 0, vm fork, image + data
        b.putShort((short) imageLength).putShort((short) 100).put((byte) bimgInfo);
        if (compressed) {
            b.putShort((short) 4000);
        }
        b.putInt(1663).putInt(5).putInt(16384).putInt(42);
        b.put((byte) 1).put((byte) (0x20 | 0x80)).putShort((short) 3).putInt(43); // block 1, same rel, data
        b.put((byte) WalRecordBody.BLOCK_ID_ORIGIN).putShort((short) 7);
        if (major >= 14) {
            b.put((byte) WalRecordBody.BLOCK_ID_TOPLEVEL_XID).putInt(7777);
        }
        b.put((byte) WalRecordBody.BLOCK_ID_DATA_LONG).putInt(300);
        headers.write(b.array(), 0, b.position());
        payload.writeBytes(new byte[imageLength]);
        payload.writeBytes(new byte[10]);
        payload.writeBytes(new byte[3]);
        payload.writeBytes(new byte[300]);
        headers.writeBytes(payload.toByteArray());
        return headers.toByteArray();
    }

    private static WalRecord single(int major, byte[] body) {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 1, major, 1);
        wal.append(RmgrId.HEAP.id(), 0x10, 900, body);
        WalRecordReader reader = WalRecordReader.of(wal.bytes, BASE, SEG);
        assertThat(reader.next()).isTrue();
        return reader.record();
    }

    @Test
    void decodesBlockReferencesOn15() {
        WalRecord r = single(15, bodyWithBlocks(15, 0x01 | 0x02, false));
        WalRecordBody body = r.body();
        assertThat(body.blockCount()).isEqualTo(2);
        BlockReference b0 = body.block(0);
        assertThat(b0.relationPath()).isEqualTo("1663/5/16384");
        assertThat(b0.forkNumber()).isEqualTo(2);
        assertThat(b0.blockNumber()).isEqualTo(42);
        assertThat(b0.hasImage()).isTrue();
        assertThat(b0.imageLength()).isEqualTo(4192);
        assertThat(b0.holeOffset()).isEqualTo(100);
        assertThat(b0.holeLength()).isEqualTo(4000);
        assertThat(b0.applyImage()).isTrue();
        assertThat(b0.imageCompression()).isEqualTo(ImageCompression.NONE);
        BlockReference b1 = body.block(1);
        assertThat(b1.relationPath()).isEqualTo("1663/5/16384");
        assertThat(b1.blockNumber()).isEqualTo(43);
        assertThat(b1.hasImage()).isFalse();
        assertThat(b1.dataLength()).isEqualTo(3);
        assertThat(b1.dataOffset()).isEqualTo(b0.dataOffset() + 10);
        assertThat(b0.dataOffset()).isEqualTo(b0.imageOffset() + 4192);
        assertThat(body.origin()).isEqualTo(7);
        assertThat(body.toplevelXid()).isEqualTo(7777);
        assertThat(body.mainDataLength()).isEqualTo(300);
        assertThat(body.mainDataOffset() + 300).isEqualTo(r.totalLength());
        assertThat(body.fpiLength()).isEqualTo(4192);

        WalRecord lz4 = single(15, bodyWithBlocks(15, 0x01 | 0x08, true));
        assertThat(lz4.body().block(0).imageCompression()).isEqualTo(ImageCompression.LZ4);
        assertThat(lz4.body().block(0).holeLength()).isEqualTo(4000);
        assertThat(lz4.body().block(0).applyImage()).isFalse();
    }

    @Test
    void imageBitsAndTopLevelXidPerVersion() {
        // 13/14: 0x02 is IS_COMPRESSED, 0x04 APPLY.
        WalRecord r14 = single(14, bodyWithBlocks(14, 0x01 | 0x02 | 0x04, true));
        assertThat(r14.body().block(0).imageCompression()).isEqualTo(ImageCompression.COMPRESSED);
        assertThat(r14.body().block(0).applyImage()).isTrue();
        assertThat(r14.body().toplevelXid()).isEqualTo(7777);

        WalRecord r13 = single(13, bodyWithBlocks(13, 0x01 | 0x04, false));
        assertThat(r13.body().block(0).applyImage()).isTrue();
        assertThat(r13.body().toplevelXid()).isZero();

        // 252 means nothing to 13.
        WalRecord bad13 = single(13, bodyWithBlocks(14, 0x01 | 0x04, false));
        assertThatThrownBy(bad13::body).isInstanceOf(WalFormatException.class)
            .hasMessageEndingWith("invalid block_id 252");
    }

    @Test
    void rejectsInconsistentBodies() {
        byte[] outOfOrder = {1, 0x20, 1, 0, 0x7F, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0,
            0, 0x20, 1, 0, 0x7F, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0, 9, 9};
        assertThatThrownBy(() -> single(15, outOfOrder).body()).hasMessageEndingWith("out-of-order block_id 0"
            + " (expected: > 1)");
        byte[] sameRelFirst = {0, (byte) 0xA0, 1, 0, 1, 0, 0, 0, 9};
        assertThatThrownBy(() -> single(15, sameRelFirst).body())
            .hasMessageEndingWith("block 0: BKPBLOCK_SAME_REL set but no previous relation");
        byte[] dataWithoutFlag = {0, 0x00, 1, 0};
        assertThatThrownBy(() -> single(15, dataWithoutFlag).body())
            .hasMessageEndingWith("block 0: BKPBLOCK_HAS_DATA not set, but data length is 1");
        byte[] shortData = {(byte) 255, 10, 1, 2};
        assertThatThrownBy(() -> single(15, shortData).body()).isInstanceOf(WalFormatException.class)
            .hasMessageStartingWith("invalid record body at 0/300028 in 000000010000000000000003: ")
            .hasMessageEndingWith("2 bytes after the headers (expected: 10 for images and data)");
    }

    @Test
    void rmgrNamesAndPageMagic() {
        assertThat(RmgrId.of(10)).isEqualTo(RmgrId.HEAP);
        assertThat(RmgrId.nameOf(21)).isEqualTo("LogicalMessage");
        assertThat(RmgrId.nameOf(130)).isEqualTo("custom130");
        assertThat(RmgrId.maxId(14)).isEqualTo(21);
        assertThat(RmgrId.maxId(15)).isEqualTo(255);
        assertThat(RmgrId.isValid(128, 14)).isFalse();
        assertThat(RmgrId.isValid(128, 15)).isTrue();
        assertThat(RmgrId.isValid(100, 18)).isFalse();
        for (int major = 13; major <= 18; major++) {
            assertThat(WalPageMagic.majorOf(WalPageMagic.forMajor(major))).isEqualTo(major);
        }
        assertThat(WalPageMagic.majorOf(0xD120)).isEqualTo(-1);
        assertThatThrownBy(() -> WalPageMagic.forMajor(12)).isInstanceOf(IllegalArgumentException.class);

        SyntheticWal wal = new SyntheticWal(MB, BASE, 1, 16, 1);
        wal.append(20_000);
        XLogPageHeader first = XLogPageHeader.parse(wal.bytes, 0);
        assertThat(first).isEqualTo(new XLogPageHeader(WalPageMagic.PG16, XLogPageHeader.XLP_LONG_HEADER, 1, BASE, 0,
            SyntheticWal.SYSID, MB, 8192));
        XLogPageHeader second = XLogPageHeader.parse(ByteBuffer.wrap(wal.bytes), 8192);
        assertThat(second.isContinuation()).isTrue();
        assertThat(second.size()).isEqualTo(24);
        assertThat(second.remainingLength()).isEqualTo(20_000 + 5 + 24 - (8192 - 40));
        assertThat(second.major()).isEqualTo(16);
    }
}
