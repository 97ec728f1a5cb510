package io.walstream.protocol.wal.conflict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.RmgrId;
import io.walstream.protocol.wal.SyntheticWal;
import io.walstream.protocol.wal.WalFormatException;
import io.walstream.protocol.wal.WalRecordReader;
import io.walstream.protocol.wal.conflict.ConflictRecord.CleanupKind;
import io.walstream.protocol.wal.conflict.ConflictRecord.Lock;
import io.walstream.protocol.wal.conflict.ConflictRecord.SnapshotConflict;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionEnd;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionOutcome;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hand-built records for the layout differences between versions, and records too short for their struct. */
final class ConflictRecordDecoderTest {

    private static final int MB = 1 << 20;
    private static final RelFileLocator HEAP = new RelFileLocator(1663, 5, 16384);
    private static final RelFileLocator VM_REL = new RelFileLocator(1663, 5, 16390);

    @Test
    void prune17HasItsHorizonUnalignedAfterReasonAndFlags() {
        byte[] main = le(6).put((byte) 2).put((byte) (0x08 | 0x04 | 0x02)).putInt(0x8234_5678).array();
        SnapshotConflict c = (SnapshotConflict) decodeOne(17, RmgrId.HEAP2.id(), 0x20, body(block(0, HEAP, 7), main));
        assertThat(c).isEqualTo(new SnapshotConflict(c.lsn(), CleanupKind.HEAP2_PRUNE_VACUUM_SCAN, HEAP, 7,
            0x8234_5678L, 0x8234_5678L, true, true));
    }

    @Test
    void prune17WithoutConflictHorizonHasNone() {
        byte[] main = le(2).put((byte) 3).put((byte) 0).array();
        SnapshotConflict c = (SnapshotConflict) decodeOne(18, RmgrId.HEAP2.id(), 0x30, body(block(0, HEAP, 1), main));
        assertThat(c.kind()).isEqualTo(CleanupKind.HEAP2_PRUNE_VACUUM_CLEANUP);
        assertThat(c.snapshotConflictHorizon()).isZero();
        assertThat(c.cleanupLock()).isFalse();
    }

    @Test
    void heap2OpcodesMovedIn14And17() {
        byte[] prune = le(9).putInt(1000).putShort((short) 1).putShort((short) 2).put((byte) 1).array();
        assertThat(kind(13, 0x10, prune)).isEqualTo(CleanupKind.HEAP2_CLEAN);
        assertThat(kind(14, 0x10, prune)).isEqualTo(CleanupKind.HEAP2_PRUNE);
        assertThat(kind(16, 0x10, prune)).isEqualTo(CleanupKind.HEAP2_PRUNE);
        assertThat(kind(13, 0x20, prune)).isEqualTo(CleanupKind.HEAP2_FREEZE_PAGE);
        assertThat(decodeOne(15, RmgrId.HEAP2.id(), 0x20, body(block(0, HEAP, 0), prune)))
            .as("VACUUM, 14–16").isInstanceOf(ConflictRecord.Other.class);
        assertThat(kind(15, 0x30, prune)).isEqualTo(CleanupKind.HEAP2_FREEZE_PAGE);
        assertThat(kind(17, 0x10, prune)).isEqualTo(CleanupKind.HEAP2_PRUNE_ON_ACCESS);
        // XLOG_HEAP_INIT_PAGE (0x80) is not part of the opcode
        assertThat(kind(15, 0x90, prune)).isEqualTo(CleanupKind.HEAP2_PRUNE);
    }

    @Test
    void freezePageConflictsOneBeforeItsCutoffBefore16() {
        byte[] main = le(7).putInt(1000).putShort((short) 1).put((byte) 0).array();
        SnapshotConflict c15 = (SnapshotConflict) decodeOne(15, RmgrId.HEAP2.id(), 0x30, body(block(0, HEAP, 0), main));
        assertThat(c15.snapshotConflictHorizon()).isEqualTo(999);
        assertThat(c15.logged()).isEqualTo(1000);
        SnapshotConflict c16 = (SnapshotConflict) decodeOne(16, RmgrId.HEAP2.id(), 0x30, body(block(0, HEAP, 0), main));
        assertThat(c16.snapshotConflictHorizon()).as("16 logs the horizon itself").isEqualTo(1000);
        byte[] three = le(6).putInt(3).putShort((short) 1).array();
        SnapshotConflict c13 = (SnapshotConflict) decodeOne(13, RmgrId.HEAP2.id(), 0x20, body(block(0, HEAP, 0), three));
        assertThat(c13.snapshotConflictHorizon()).as("TransactionIdRetreat skips 0..2").isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void visibleTakesTheHeapRelationFromBlock1() {
        byte[] main = le(5).putInt(903).put((byte) 0x05).array();
        byte[] body = body(concat(block(0, VM_REL, 0, 2), block(1, HEAP, 42, 0)), main);
        SnapshotConflict c16 = (SnapshotConflict) decodeOne(16, RmgrId.HEAP2.id(), 0x40, body);
        assertThat(c16).isEqualTo(new SnapshotConflict(c16.lsn(), CleanupKind.HEAP2_VISIBLE, HEAP, 42, 903, 903, true,
            false));
        SnapshotConflict c15 = (SnapshotConflict) decodeOne(15, RmgrId.HEAP2.id(), 0x40, body);
        assertThat(c15.catalogRelation()).as("flag 0x04 means catalog only from 16 on").isFalse();
    }

    @Test
    void pageReuseCarriesItsRelationAndAFullXid() {
        byte[] main = le(25).putInt(1663).putInt(5).putInt(16400).putInt(17).putLong((2L << 32) | 777).put((byte) 0)
            .array();
        SnapshotConflict btree14 = (SnapshotConflict) decodeOne(14, RmgrId.BTREE.id(), 0xD0, body(new byte[0], main));
        assertThat(btree14).isEqualTo(new SnapshotConflict(btree14.lsn(), CleanupKind.BTREE_REUSE_PAGE,
            new RelFileLocator(1663, 5, 16400), 17, 777, (2L << 32) | 777, false, false));
        SnapshotConflict btree13 = (SnapshotConflict) decodeOne(13, RmgrId.BTREE.id(), 0xD0, body(new byte[0], main));
        assertThat(btree13.snapshotConflictHorizon()).as("13: a 32-bit xid").isEqualTo(777);
        assertThat(CleanupKind.BTREE_REUSE_PAGE.fullTransactionId(13)).isFalse();
        assertThat(CleanupKind.BTREE_REUSE_PAGE.fullTransactionId(14)).isTrue();
        SnapshotConflict gist = (SnapshotConflict) decodeOne(13, RmgrId.GIST.id(), 0x20, body(new byte[0], main));
        assertThat(gist.logged()).isEqualTo((2L << 32) | 777);
    }

    @Test
    void spgistHorizonSitsAfterTwoCounts() {
        byte[] main = le(9).putShort((short) 3).putShort((short) 4).putInt(4242).put((byte) 1).array();
        SnapshotConflict c = (SnapshotConflict) decodeOne(16, RmgrId.SPGIST.id(), 0x80, body(block(0, HEAP, 3), main));
        assertThat(c.snapshotConflictHorizon()).isEqualTo(4242);
        assertThat(c.catalogRelation()).isTrue();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {17, 18})
    void commitPreparedFindsItsXidBehindDroppedStatsOfTheVersionsSize(int major) {
        int statsItem = major >= 18 ? 16 : 12;
        int xinfo = 1 | 2 | 4 | 8 | 16 | 64 | 256; // dbinfo, subxacts, rels, invals, twophase, AE locks, stats
        ByteBuffer b = le(8 + 4 + 8 + 4 + 8 + 4 + 12 + 4 + statsItem + 4 + 16 + 4);
        b.putLong(123_456_789L).putInt(xinfo).putInt(5).putInt(1663);
        b.putInt(2).putInt(801).putInt(802);
        b.putInt(1).putInt(1663).putInt(5).putInt(16500);
        b.putInt(1).put(new byte[statsItem]);
        b.putInt(1).put(new byte[16]);
        b.putInt(777);
        TransactionEnd e = (TransactionEnd) decodeOne(major, RmgrId.TRANSACTION.id(), 0x80 | 0x30,
            body(new byte[0], b.array()));
        assertThat(e).isEqualTo(new TransactionEnd(e.lsn(), TransactionOutcome.COMMIT_PREPARED, 777, 123_456_789L,
            List.of(801L, 802L), true));
    }

    @Test
    void commitWithoutInfoIsJustATime() {
        TransactionEnd e = (TransactionEnd) decodeOne(15, RmgrId.TRANSACTION.id(), 0x00,
            body(new byte[0], le(8).putLong(99).array()));
        assertThat(e.outcome()).isEqualTo(TransactionOutcome.COMMIT);
        assertThat(e.xid()).as("xl_xid").isEqualTo(1000);
        assertThat(e.subxacts()).isZero();
    }

    @Test
    void databaseDropMovedTo0x20In15() {
        byte[] main = le(16).putInt(16390).putInt(2).putInt(1663).putInt(16391).array();
        assertThat(decodeOne(14, RmgrId.DATABASE.id(), 0x10, body(new byte[0], main)))
            .isEqualTo(new ConflictRecord.DatabaseDrop(lsnOfOnlyRecord(), 16390, List.of(1663L, 16391L)));
        assertThat(decodeOne(15, RmgrId.DATABASE.id(), 0x10, body(new byte[0], main)))
            .as("CREATE_WAL_LOG in 15").isInstanceOf(ConflictRecord.Other.class);
        assertThat(decodeOne(15, RmgrId.DATABASE.id(), 0x20, body(new byte[0], main)))
            .isInstanceOf(ConflictRecord.DatabaseDrop.class);
    }

    @Test
    void standbyLocks() {
        byte[] main = le(28).putInt(2).putInt(900).putInt(5).putInt(16384).putInt(901).putInt(0).putInt(1262)
            .array();
        ConflictRecord.StandbyLocks locks = (ConflictRecord.StandbyLocks) decodeOne(16, RmgrId.STANDBY.id(), 0x00,
            body(new byte[0], main));
        assertThat(locks.locks()).containsExactly(new Lock(900, 5, 16384), new Lock(901, 0, 1262));
    }

    @Test
    void aStructLongerThanTheMainDataIsADefectAtTheRecordsLsn() {
        byte[] main = le(5).putInt(1000).put((byte) 0).array();
        assertThatThrownBy(() -> decodeOne(16, RmgrId.HEAP2.id(), 0x10, body(block(0, HEAP, 0), main)))
            .isInstanceOf(WalFormatException.class)
            .hasMessageContaining("invalid record body at " + Lsn.format(lsnOfOnlyRecord()))
            .hasMessageContaining("Heap2/PRUNE main data length: 5 (expected: >= 9)");
    }

    @Test
    void countsThatOverrunTheMainDataAreDefects() {
        byte[] running = le(28).putInt(2).putInt(0).putInt(0).putInt(900).putInt(899).putInt(898).putInt(899)
            .array();
        assertThatThrownBy(() -> decodeOne(15, RmgrId.STANDBY.id(), 0x10, body(new byte[0], running)))
            .isInstanceOf(WalFormatException.class).hasMessageContaining("xcnt 2 subxcnt 0");
        byte[] locks = le(16).putInt(2).putInt(900).putInt(5).putInt(16384).array();
        assertThatThrownBy(() -> decodeOne(15, RmgrId.STANDBY.id(), 0x00, body(new byte[0], locks)))
            .isInstanceOf(WalFormatException.class).hasMessageContaining("count at main data offset 0: 2");
    }

    @Test
    void aMissingBlockReferenceIsADefect() {
        byte[] main = le(8).putInt(1000).putInt(3).array();
        assertThatThrownBy(() -> decodeOne(15, RmgrId.BTREE.id(), 0x70, body(new byte[0], main)))
            .isInstanceOf(WalFormatException.class).hasMessageContaining("Btree/DELETE without block reference #0");
    }

    @Test
    void everythingElseIsOther() {
        ConflictRecord r = decodeOne(15, RmgrId.HEAP.id(), 0x00, body(new byte[0], new byte[3]));
        assertThat(r).isEqualTo(new ConflictRecord.Other(lsnOfOnlyRecord(), RmgrId.HEAP.id(), 0x00));
        assertThat(r.recordType()).isEqualTo("Heap/0x0");
    }

    // ------------------------------------------------------------------ building records

    private static CleanupKind kind(int major, int info, byte[] main) {
        return ((SnapshotConflict) decodeOne(major, RmgrId.HEAP2.id(), info, body(block(0, HEAP, 0), main))).kind();
    }

    private static long lsnOfOnlyRecord() {
        return 3L * MB + 40; // after the long page header of the segment at 3 MB
    }

    private static ConflictRecord decodeOne(int major, int rmid, int info, byte[] body) {
        SyntheticWal wal = new SyntheticWal(MB, 3L * MB, 1, major, 1);
        long lsn = wal.append(rmid, info, 1000, body);
        assertThat(lsn).isEqualTo(lsnOfOnlyRecord());
        try (WalRecordReader reader = WalRecordReader.of(wal.bytes, wal.base, WalSegmentSize.ofMegabytes(1))) {
            assertThat(reader.next()).isTrue();
            return ConflictRecordDecoder.decode(reader.record());
        }
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A block header without image or data: id, fork_flags, data_length 0, the relation, the block number. */
    private static byte[] block(int id, RelFileLocator rel, int blockNumber) {
        return block(id, rel, blockNumber, 0);
    }

    private static byte[] block(int id, RelFileLocator rel, int blockNumber, int fork) {
        return le(20).put((byte) id).put((byte) fork).putShort((short) 0).putInt((int) rel.tablespace())
            .putInt((int) rel.database()).putInt((int) rel.relation()).putInt(blockNumber).array();
    }

    /** Block headers, then the main data (XLR_BLOCK_ID_DATA_SHORT or _LONG). */
    private static byte[] body(byte[] blocks, byte[] main) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(blocks);
        if (main.length <= 255) {
            out.write(255);
            out.write(main.length);
        } else {
            out.write(254);
            out.writeBytes(le(4).putInt(main.length).array());
        }
        out.writeBytes(main);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
