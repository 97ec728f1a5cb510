package io.walstream.protocol.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalFormatException.Defect;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class WalStreamVerifierTest {

    private static final int MB = 1 << 20;
    private static final WalSegmentSize SEG = WalSegmentSize.ofMegabytes(1);
    private static final long BASE = 3L * MB;

    /** Three segments: small and page-spanning records, a header across a page edge, a 1.5 MB record across a segment edge, a switch. */
    static SyntheticWal mixed(int major) {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 4, major, 1);
        Random random = new Random(42);
        while (wal.position() < BASE + MB - 300_000) {
            int r = random.nextInt(100);
            wal.append(r < 70 ? random.nextInt(200) : r < 95 ? 200 + random.nextInt(9000) : 9000 + random.nextInt(40_000));
        }
        wal.padTo(PAGE_MINUS_8);
        wal.append(100); // its header straddles the page edge
        wal.padTo(8192 - 16);
        wal.append(0); // 26 bytes: header and 2 bytes across the edge
        wal.append(1_500_000); // across the segment edge into the third segment
        for (int i = 0; i < 50; i++) {
            wal.append(random.nextInt(3000));
        }
        wal.appendSwitch();
        for (int i = 0; i < 20; i++) {
            wal.append(random.nextInt(3000));
        }
        return wal;
    }

    private static final int PAGE_MINUS_8 = 8192 - 8;

    private static WalStreamVerifier verifier(int major) {
        return new WalStreamVerifier(SEG, 1, SyntheticWal.SYSID, major);
    }

    @ParameterizedTest
    @ValueSource(ints = {13, 14, 15, 16, 17, 18})
    void verifiesEveryRecordAcrossPagesSegmentsAndASwitch(int major) {
        SyntheticWal wal = mixed(major);
        WalStreamVerifier v = verifier(major);
        v.accept(ByteBuffer.wrap(wal.bytes), BASE);

        assertThat(v.recordsVerified()).isEqualTo(wal.records.size());
        assertThat(v.verifiedEnd()).isEqualTo(wal.ends.get(wal.ends.size() - 1));
        assertThat(v.endOfWal()).as("zeros after the last record").isTrue();
        assertThat(v.endOfWalLsn()).isEqualTo(XLogRecordHeader.align(v.verifiedEnd()));
        assertThat(v.bytesAccepted()).isEqualTo(wal.bytes.length);
        assertThat(v.position()).isEqualTo(wal.end());
        assertThat(v.systemIdentifier()).isEqualTo(SyntheticWal.SYSID);
        assertThat(wal.records).as("a header straddles a page edge")
            .anyMatch(lsn -> lsn % 8192 > 8192 - XLogRecordHeader.SIZE);
    }

    @Test
    void oneByteChunksRandomSplitsAndByteBufsGiveTheSameResult() {
        SyntheticWal wal = mixed(15);
        WalStreamVerifier whole = verifier(15);
        whole.accept(ByteBuffer.wrap(wal.bytes), BASE);

        WalStreamVerifier bytewise = verifier(15);
        for (int i = 0; i < wal.bytes.length; i++) {
            bytewise.accept(wal.bytes, i, 1, BASE + i);
        }
        assertSame(bytewise, whole);

        Random random = new Random(7);
        for (int round = 0; round < 5; round++) {
            WalStreamVerifier split = verifier(15);
            int at = 0;
            while (at < wal.bytes.length) {
                int n = Math.min(wal.bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 64 : 200_000));
                if (random.nextBoolean()) {
                    ByteBuf buf = Unpooled.directBuffer(n).writeBytes(wal.bytes, at, n);
                    try {
                        split.accept(buf, BASE + at);
                        assertThat(buf.readerIndex()).isZero();
                    } finally {
                        buf.release();
                    }
                } else {
                    ByteBuffer chunk = ByteBuffer.wrap(wal.bytes, at, n);
                    split.accept(chunk, BASE + at);
                    assertThat(chunk.position()).isEqualTo(at);
                }
                at += n;
            }
            assertSame(split, whole);
        }
    }

    private static void assertSame(WalStreamVerifier actual, WalStreamVerifier expected) {
        assertThat(actual.recordsVerified()).isEqualTo(expected.recordsVerified());
        assertThat(actual.recordBytesVerified()).isEqualTo(expected.recordBytesVerified());
        assertThat(actual.verifiedEnd()).isEqualTo(expected.verifiedEnd());
        assertThat(actual.bytesAccepted()).isEqualTo(expected.bytesAccepted());
        assertThat(actual.endOfWalLsn()).isEqualTo(expected.endOfWalLsn());
    }

    @Test
    void startsAtASegmentThatBeginsWithAContinuation() {
        SyntheticWal wal = mixed(16);
        long secondSegment = BASE + 2L * MB; // the 1.5 MB record continues here
        WalStreamVerifier v = verifier(16);
        v.accept(ByteBuffer.wrap(wal.bytes, wal.off(secondSegment), wal.bytes.length - wal.off(secondSegment)),
            secondSegment);
        long expected = wal.records.stream().filter(lsn -> lsn >= secondSegment).count();
        assertThat(expected).isGreaterThan(20);
        assertThat(v.recordsVerified()).isEqualTo(expected);
        assertThat(v.verifiedEnd()).isEqualTo(wal.ends.get(wal.ends.size() - 1));
    }

    @Test
    void startsMidPageAtTheNextPagesFirstRecord() {
        SyntheticWal wal = mixed(17);
        long start = BASE + 100_003;
        WalStreamVerifier v = verifier(17);
        v.accept(ByteBuffer.wrap(wal.bytes, wal.off(start), 50_000), start);
        v.accept(ByteBuffer.wrap(wal.bytes, wal.off(start) + 50_000, wal.bytes.length - wal.off(start) - 50_000),
            start + 50_000);
        long nextPage = (start / 8192 + 1) * 8192;
        long expected = wal.records.stream().filter(lsn -> lsn > nextPage).count();
        assertThat(v.recordsVerified()).isEqualTo(expected);
    }

    @Test
    void partialFileEndsCleanlyAndOnlyZerosMayFollow() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 1, 15, 1);
        for (int i = 0; i < 30; i++) {
            wal.append(1000 + i * 37);
        }
        long last = wal.ends.get(wal.ends.size() - 1);
        WalStreamVerifier v = verifier(15);
        v.accept(ByteBuffer.wrap(wal.bytes), BASE);
        assertThat(v.endOfWal()).isTrue();
        assertThat(v.verifiedFrontier()).isEqualTo(Lsn.of(last));
        assertThat(v.endOfWalLsn()).isEqualTo(XLogRecordHeader.align(last));

        wal.bytes[wal.off(last) + 5000] = 1;
        WalStreamVerifier garbage = verifier(15);
        assertThatThrownBy(() -> garbage.accept(ByteBuffer.wrap(wal.bytes), BASE))
            .isInstanceOf(WalFormatException.class)
            .hasMessage("data after end of WAL at " + Lsn.format(last + 5000) + " in 000000010000000000000003: byte"
                + " 0x1 at " + Lsn.format(last + 5000) + " after the end of WAL at "
                + Lsn.format(XLogRecordHeader.align(last)) + " (expected: only zeros)");
    }

    @Test
    void recordCutAtAPageEdgeBeforeAnUnwrittenPageIsTheEndOfWal() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 1, 15, 1);
        wal.append(100);
        long complete = wal.ends.get(0);
        wal.append(20_000);
        long cut = wal.records.get(1) / 8192 * 8192 + 8192; // keep only the first page of the big record
        java.util.Arrays.fill(wal.bytes, wal.off(cut), wal.bytes.length, (byte) 0);
        WalStreamVerifier v = verifier(15);
        v.accept(ByteBuffer.wrap(wal.bytes), BASE);
        assertThat(v.endOfWalLsn()).isEqualTo(cut);
        assertThat(v.recordsVerified()).isEqualTo(1);
        assertThat(v.verifiedEnd()).isEqualTo(complete);
    }

    @Test
    void abandonedRecordFollowedByOverwriteContrecord() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 1, 15, 1);
        wal.append(3000);
        wal.append(3000);
        wal.appendTorn(9000);
        wal.append(RmgrId.XLOG.id(), XLogRecordHeader.XLOG_OVERWRITE_CONTRECORD, 0, SyntheticWal.mainData(16, 1));
        wal.append(500);
        WalStreamVerifier v = verifier(15);
        v.accept(ByteBuffer.wrap(wal.bytes), BASE);
        assertThat(v.recordsVerified()).isEqualTo(4);
        assertThat(v.abandonedRecords()).isEqualTo(1);
    }

    @Test
    void bytesAfterASwitchAreIgnoredUpToTheNextSegment() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 2, 15, 1);
        wal.append(100);
        long switchEnd = wal.appendSwitch();
        wal.append(100);
        java.util.Arrays.fill(wal.bytes, wal.off(switchEnd) + 100, MB, (byte) 0x5A);
        WalStreamVerifier v = verifier(15);
        v.accept(ByteBuffer.wrap(wal.bytes), BASE);
        assertThat(v.recordsVerified()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(ints = {13, 18})
    void strictVerifierAcceptsZeroedUnusedSpaceAsTheServerWritesIt(int major) {
        SyntheticWal wal = mixed(major);
        WalStreamVerifier loose = verifier(major);
        loose.accept(ByteBuffer.wrap(wal.bytes), BASE);
        WalStreamVerifier strict = verifier(major).requireZeroUnusedSpace();
        strict.accept(ByteBuffer.wrap(wal.bytes), BASE);
        assertThat(strict.recordsVerified()).isEqualTo(loose.recordsVerified());
        assertThat(strict.verifiedEnd()).isEqualTo(loose.verifiedEnd());
    }

    @Test
    void aByteInThePaddingBetweenRecordsIsRefusedWhenUnusedSpaceMustBeZero() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 2, 15, 1);
        wal.append(100);
        long end = wal.ends.get(0);
        assertThat(XLogRecordHeader.align(end)).as("padding after the record").isGreaterThan(end);
        wal.append(100);
        wal.bytes[wal.off(end)] = 0x20;

        WalStreamVerifier loose = verifier(15);
        loose.accept(ByteBuffer.wrap(wal.bytes), BASE);
        assertThat(loose.recordsVerified()).as("xlogreader ignores padding").isEqualTo(2);

        WalFormatException e = defectOf(wal, verifier(15).requireZeroUnusedSpace());
        assertThat(e.defect()).isEqualTo(Defect.BAD_UNUSED_SPACE);
        assertThat(e.lsn()).isEqualTo(Lsn.of(end));
    }

    @Test
    void aByteInAPageHeadersPadIsRefusedWhenUnusedSpaceMustBeZero() {
        SyntheticWal wal = small();
        wal.bytes[wal.off(BASE + 8192 + 21)] = 1;
        WalFormatException e = defectOf(wal, verifier(15).requireZeroUnusedSpace());
        assertThat(e.defect()).isEqualTo(Defect.BAD_UNUSED_SPACE);
        assertThat(e.lsn()).isEqualTo(Lsn.of(BASE + 8192));
    }

    @Test
    void afterASwitchOnlyZerosPassAndTheyAreVerifiedAsTheyArrive() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 2, 15, 1);
        wal.append(100);
        long switchEnd = wal.appendSwitch();
        wal.append(100);
        WalStreamVerifier strict = verifier(15).requireZeroUnusedSpace();
        int half = wal.off(switchEnd) + 100_000;
        strict.accept(ByteBuffer.wrap(wal.bytes, 0, half), BASE);
        assertThat(strict.verifiedEnd()).as("only as far as the zeros were seen").isEqualTo(BASE + half);
        strict.accept(ByteBuffer.wrap(wal.bytes, half, wal.bytes.length - half), BASE + half);
        assertThat(strict.recordsVerified()).isEqualTo(3);

        wal.bytes[wal.off(switchEnd) + 200_000] = 0x5A;
        WalFormatException e = defectOf(wal, verifier(15).requireZeroUnusedSpace());
        assertThat(e.defect()).isEqualTo(Defect.BAD_UNUSED_SPACE);
        assertThat(e.lsn()).isEqualTo(Lsn.of(switchEnd + 200_000));
        assertThat(e).hasMessageContaining("byte 0x5a at ");
    }

    // ------------------------------------------------------------ defects

    private static WalFormatException defectOf(SyntheticWal wal, WalStreamVerifier v) {
        try {
            v.accept(ByteBuffer.wrap(wal.bytes), wal.base);
        } catch (WalFormatException e) {
            assertThatThrownBy(() -> v.accept(new byte[1], 0, 1, v.position())).isInstanceOf(IllegalStateException.class);
            return e;
        }
        throw new AssertionError("no defect found");
    }

    private static SyntheticWal small() {
        SyntheticWal wal = new SyntheticWal(MB, BASE, 2, 15, 1);
        for (int i = 0; i < 40; i++) {
            wal.append(i % 5 == 0 ? 12_000 : 300 + i);
        }
        return wal;
    }

    @Test
    void flippedDataByteIsACrcMismatchAtTheRecord() {
        SyntheticWal wal = small();
        long record = wal.records.get(10); // 12 kB: spans a page edge
        long flipAt = wal.ends.get(10) - 3;
        wal.bytes[wal.off(flipAt)] ^= 0x10;
        WalFormatException e = defectOf(wal, verifier(15));
        assertThat(e.defect()).isEqualTo(Defect.CRC_MISMATCH);
        assertThat(e.lsn()).isEqualTo(Lsn.of(record));
        assertThat(e.fileName()).hasToString("000000010000000000000003");
        assertThat(e).hasMessageMatching("record CRC mismatch at 0/3[0-9A-F]{5} in 000000010000000000000003:"
            + " expected [0-9a-f]{8}, computed [0-9a-f]{8}");
    }

    @Test
    void wrongPageAddress() {
        SyntheticWal wal = small();
        long page = BASE + 5 * 8192;
        wal.putLong(page + 8, page - 8192);
        WalFormatException e = defectOf(wal, verifier(15));
        assertThat(e.defect()).isEqualTo(Defect.BAD_PAGE_ADDRESS);
        assertThat(e).hasMessage("unexpected page address at 0/30A000 in 000000010000000000000003: xlp_pageaddr"
            + " 0/308000 (expected: 0/30A000)");
    }

    @Test
    void badMagic() {
        SyntheticWal wal = small();
        wal.putShort(BASE + 8192, WalPageMagic.PG16);
        WalFormatException e = defectOf(wal, verifier(15));
        assertThat(e).hasMessage("invalid page magic at 0/302000 in 000000010000000000000003: xlp_magic D113"
            + " (expected: D110 for PostgreSQL 15)");
    }

    @Test
    void unknownPageFlags() {
        SyntheticWal wal = small();
        wal.putShort(BASE + 2 * 8192 + 2, 0x0011);
        assertThat(defectOf(wal, verifier(15))).hasMessage("invalid page info bits at 0/304000 in"
            + " 000000010000000000000003: xlp_info 0x0011 (expected: only bits 0x000F)");
    }

    @Test
    void longHeaderOnlyAtSegmentStart() {
        SyntheticWal wal = small();
        wal.putShort(BASE + 2, 0); // first page of the segment without XLP_LONG_HEADER
        assertThat(defectOf(wal, verifier(15))).hasMessage("invalid long page header at 0/300000 in"
            + " 000000010000000000000003: xlp_info 0x0000 at segment offset 0 (expected: XLP_LONG_HEADER on the"
            + " first page of a segment)");
    }

    @Test
    void systemIdentifierSegmentSizeAndBlockSize() {
        SyntheticWal wal = small();
        assertThat(defectOf(wal, new WalStreamVerifier(SEG, 1, 99, 15)).defect()).isEqualTo(Defect.SYSTEM_ID_MISMATCH);
        WalStreamVerifier learning = new WalStreamVerifier(SEG, 1, 0, 15);
        learning.accept(ByteBuffer.wrap(wal.bytes), BASE);
        assertThat(learning.systemIdentifier()).isEqualTo(SyntheticWal.SYSID);

        SyntheticWal wrongSize = small();
        wrongSize.putInt(BASE + 32, 2 * MB);
        assertThat(defectOf(wrongSize, verifier(15))).hasMessage("wrong segment size in page header at 0/300000 in"
            + " 000000010000000000000003: xlp_seg_size 2097152 (expected: 1048576)");
        SyntheticWal wrongBlock = small();
        wrongBlock.putInt(BASE + 36, 16384);
        assertThat(defectOf(wrongBlock, verifier(15)).defect()).isEqualTo(Defect.BAD_BLOCK_SIZE);
    }

    @Test
    void timelineMustNotExceedTheStreamedOneNorGoBack() {
        SyntheticWal wal = small();
        wal.putInt(BASE + 3 * 8192 + 4, 2);
        assertThat(defectOf(wal, verifier(15))).hasMessage("unexpected page timeline at 0/306000 in"
            + " 000000010000000000000003: xlp_tli 2 (expected: 1..1)");

        // On timeline 2 the first pages may still be timeline 1, but never 1 after 2.
        SyntheticWal switched = small();
        switched.putInt(BASE + 3 * 8192 + 4, 2);
        WalStreamVerifier onTwo = new WalStreamVerifier(SEG, 2, SyntheticWal.SYSID, 15);
        onTwo.accept(ByteBuffer.wrap(switched.bytes, 0, 4 * 8192), BASE);
        assertThatThrownBy(() -> onTwo.accept(ByteBuffer.wrap(switched.bytes, 4 * 8192, 8192), BASE + 4 * 8192))
            .hasMessage("unexpected page timeline at 0/308000 in 000000020000000000000003: xlp_tli 1 after 2 on an"
                + " earlier page (expected: >= 2)");
    }

    @Test
    void badPrevLink() {
        SyntheticWal wal = small();
        long record = wal.records.get(3);
        wal.putLong(record + 8, wal.records.get(1));
        WalFormatException e = defectOf(wal, verifier(15));
        assertThat(e.defect()).isEqualTo(Defect.BAD_PREV_LINK);
        assertThat(e).hasMessage("record with incorrect prev-link at " + Lsn.format(record) + " in"
            + " 000000010000000000000003: xl_prev " + Lsn.format(wal.records.get(1)) + " (expected: "
            + Lsn.format(wal.records.get(2)) + ")");
    }

    @Test
    void recordLengthTooSmallOrTooLarge() {
        SyntheticWal wal = small();
        long record = wal.records.get(4);
        wal.putInt(record, 23);
        assertThat(defectOf(wal, verifier(15))).hasMessage("invalid record length at " + Lsn.format(record) + " in"
            + " 000000010000000000000003: xl_tot_len 23 (expected: >= 24)");

        SyntheticWal huge = small();
        huge.putInt(record, 0x7FFF_FFF0);
        assertThat(defectOf(huge, verifier(15))).hasMessage("invalid record length at " + Lsn.format(record) + " in"
            + " 000000010000000000000003: xl_tot_len 2147483632 (expected: <= 1069547520)");

        SyntheticWal zeroLength = small();
        zeroLength.putInt(record, 0); // the rest of the header is not zero: not the end of WAL
        assertThat(defectOf(zeroLength, verifier(15)).defect()).isEqualTo(Defect.BAD_RECORD_LENGTH);

        SyntheticWal limited = small();
        WalStreamVerifier strict = new WalStreamVerifier(SEG, 1, SyntheticWal.SYSID, 15, 10_000);
        assertThat(defectOf(limited, strict)).hasMessageContaining("(expected: <= 10000)");
    }

    @Test
    void resourceManagerIdPerVersion() {
        for (int major : new int[] {13, 15}) {
            SyntheticWal wal = new SyntheticWal(MB, BASE, 1, major, 1);
            wal.append(100);
            long custom = wal.append(200, 0, 5, SyntheticWal.mainData(10, 1));
            wal.append(22, 0, 5, SyntheticWal.mainData(10, 1));
            WalFormatException e = defectOf(wal, verifier(major));
            assertThat(e.defect()).isEqualTo(Defect.BAD_RMGR);
            if (major == 13) {
                assertThat(e).hasMessage("invalid resource manager id at " + Lsn.format(custom) + " in"
                    + " 000000010000000000000003: xl_rmid 200 (expected: <= 21)");
            } else {
                assertThat(e).hasMessageEndingWith("xl_rmid 22 (expected: <= 21 or 128..255)");
            }
        }
    }

    @Test
    void continuationFlagAndLength() {
        SyntheticWal wal = small();
        long big = wal.records.get(5); // 12 kB
        long nextPage = (big / 8192 + 1) * 8192;
        wal.putInt(nextPage + 16, 5);
        assertThat(defectOf(wal, verifier(15))).hasMessageStartingWith("invalid record continuation at "
            + Lsn.format(nextPage) + " in 000000010000000000000003: xlp_rem_len 5 (expected: ");

        SyntheticWal noFlag = small();
        noFlag.putShort(nextPage + 2, 0);
        assertThat(defectOf(noFlag, verifier(15))).hasMessageContaining("no XLP_FIRST_IS_CONTRECORD (expected: ");

        SyntheticWal extraFlag = new SyntheticWal(MB, BASE, 1, 15, 1);
        extraFlag.append(100);
        extraFlag.padTo(0);
        long fresh = extraFlag.append(100); // the first record of its page
        assertThat(fresh % 8192).isEqualTo(24);
        extraFlag.putShort(fresh - 24 + 2, XLogPageHeader.XLP_FIRST_IS_CONTRECORD);
        assertThat(defectOf(extraFlag, verifier(15))).hasMessageContaining("XLP_FIRST_IS_CONTRECORD with xlp_rem_len 0,"
            + " but the previous record ended at " + Lsn.format(fresh - 24) + " (expected: a new record here)");
    }

    @Test
    void chunksMustBeContiguous() {
        SyntheticWal wal = small();
        WalStreamVerifier v = verifier(15);
        v.accept(wal.bytes, 0, 1000, BASE);
        assertThatThrownBy(() -> v.accept(wal.bytes, 1001, 1000, BASE + 1001))
            .isInstanceOf(WalFormatException.class)
            .hasMessage("WAL chunk out of sequence at 0/3003E9 in 000000010000000000000003: chunk starts at 0/3003E9"
                + " (expected: 0/3003E8)");
        v.reset(BASE + 8192 * 3, 1);
        v.accept(wal.bytes, 8192 * 3, wal.bytes.length - 8192 * 3, BASE + 8192 * 3);
        assertThat(v.endOfWal()).isTrue();
    }

    @Test
    void steadyStateAllocatesNothing() {
        SyntheticWal wal = mixed(15);
        WalStreamVerifier v = verifier(15);
        List<ByteBuffer> chunks = new ArrayList<>();
        for (int at = 0; at < wal.bytes.length; at += 100_000) {
            chunks.add(ByteBuffer.wrap(wal.bytes, at, Math.min(100_000, wal.bytes.length - at)));
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
            .getThreadMXBean();
        long tid = Thread.currentThread().getId();
        v.accept(chunks.get(0), BASE);
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 1; i < chunks.size(); i++) {
            v.accept(chunks.get(i), BASE + i * 100_000L);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(v.recordsVerified()).isEqualTo(wal.records.size());
        assertThat(allocated).as("bytes allocated while verifying %d records", v.recordsVerified()).isLessThan(4096);
    }
}
