package io.walstream.protocol.wal.conflict;

import io.walstream.protocol.wal.RmgrId;
import io.walstream.protocol.wal.WalFormatException;
import io.walstream.protocol.wal.WalFormatException.Defect;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordBody;
import io.walstream.protocol.wal.conflict.ConflictRecord.CleanupKind;
import io.walstream.protocol.wal.conflict.ConflictRecord.Lock;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionOutcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link WalRecord} into a {@link ConflictRecord}: what replaying it means for hot-standby recovery conflicts,
 * for WAL written by PostgreSQL 13 to 18.
 *
 * <pre>{@code
 * try (WalRecordReader reader = WalRecordReader.open(files)) {
 *     while (reader.next()) {
 *         ConflictRecord c = ConflictRecordDecoder.decode(reader.record());
 *         ...
 *     }
 * }
 * }</pre>
 *
 * Layouts are those of the {@code xl_*} structs of each major version (main data, little-endian, offsets in the
 * comments); every read is checked against the main data's length, and a record too short for its struct is a
 * {@link WalFormatException} ({@link Defect#BAD_RECORD_BODY}) naming the record's LSN. Stateless and thread-safe.
 *
 * <p>Checked against real WAL (ConflictRecordDecoderIT): on 15 every decoded value equals pg_waldump's; on 13–18 the
 * horizons equal the deleting transactions' xids, the main data of each fixed-size record is exactly the struct
 * size assumed here (so 16's isCatalogRel offsets and the 13/14/16 layouts docs/recovery-conflicts.md marks as inferred or
 * third-party hold), and isCatalogRel is set on catalogs on 16–18. Not checkable from WAL, taken from the redo
 * functions: which xid replay passes (FREEZE_PAGE's retreat before 16, the as-logged horizon from 16) and which
 * records take a cleanup lock.
 */
public final class ConflictRecordDecoder {

    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // Resource manager ids (rmgrlist.h, the same in 13–18).
    private static final int RM_XLOG = RmgrId.XLOG.id();
    private static final int RM_XACT = RmgrId.TRANSACTION.id();
    private static final int RM_DBASE = RmgrId.DATABASE.id();
    private static final int RM_TBLSPC = RmgrId.TABLESPACE.id();
    private static final int RM_STANDBY = RmgrId.STANDBY.id();
    private static final int RM_HEAP2 = RmgrId.HEAP2.id();
    private static final int RM_BTREE = RmgrId.BTREE.id();
    private static final int RM_HASH = RmgrId.HASH.id();
    private static final int RM_GIST = RmgrId.GIST.id();
    private static final int RM_SPGIST = RmgrId.SPGIST.id();

    // pg_control.h
    private static final int XLOG_CHECKPOINT_SHUTDOWN = 0x00;
    private static final int XLOG_CHECKPOINT_ONLINE = 0x10;
    /** {@code sizeof(CheckPoint)} without its tail padding; the layout is the same in 13–18 (17's wal_level fills padding). */
    private static final int CHECKPOINT_SIZE = 84;

    // xact.h: the opcode is info & 0x70; 0x80 says an xl_xact_xinfo follows xact_time.
    private static final int XLOG_XACT_OPMASK = 0x70;
    private static final int XLOG_XACT_HAS_INFO = 0x80;
    private static final int XLOG_XACT_COMMIT = 0x00;
    private static final int XLOG_XACT_ABORT = 0x20;
    private static final int XLOG_XACT_COMMIT_PREPARED = 0x30;
    private static final int XLOG_XACT_ABORT_PREPARED = 0x40;
    private static final int XACT_XINFO_HAS_DBINFO = 1;
    private static final int XACT_XINFO_HAS_SUBXACTS = 1 << 1;
    private static final int XACT_XINFO_HAS_RELFILENODES = 1 << 2;
    private static final int XACT_XINFO_HAS_INVALS = 1 << 3;
    private static final int XACT_XINFO_HAS_TWOPHASE = 1 << 4;
    private static final int XACT_XINFO_HAS_AE_LOCKS = 1 << 6;
    /** 15+. */
    private static final int XACT_XINFO_HAS_DROPPED_STATS = 1 << 8;

    // standbydefs.h
    private static final int XLOG_STANDBY_LOCK = 0x00;
    private static final int XLOG_RUNNING_XACTS = 0x10;

    // dbcommands_xlog.h: 15 put CREATE_FILE_COPY and CREATE_WAL_LOG at 0x00/0x10, pushing DROP to 0x20.
    private static final int XLOG_DBASE_DROP_13 = 0x10;
    private static final int XLOG_DBASE_DROP_15 = 0x20;
    // tablespace.h
    private static final int XLOG_TBLSPC_DROP = 0x10;

    // heapam_xlog.h, rmgr Heap2: the opcode is info & 0x70 (0x80 is XLOG_HEAP_INIT_PAGE).
    private static final int XLOG_HEAP_OPMASK = 0x70;
    private static final int XLOG_HEAP2_CLEAN_13 = 0x10;
    private static final int XLOG_HEAP2_FREEZE_PAGE_13 = 0x20;
    private static final int XLOG_HEAP2_CLEANUP_INFO_13 = 0x30;
    private static final int XLOG_HEAP2_PRUNE_14 = 0x10;
    private static final int XLOG_HEAP2_FREEZE_PAGE_14 = 0x30;
    private static final int XLOG_HEAP2_PRUNE_ON_ACCESS = 0x10;
    private static final int XLOG_HEAP2_PRUNE_VACUUM_SCAN = 0x20;
    private static final int XLOG_HEAP2_PRUNE_VACUUM_CLEANUP = 0x30;
    private static final int XLOG_HEAP2_VISIBLE = 0x40;
    /** 16+: {@code VISIBILITYMAP_XLOG_CATALOG_REL} in {@code xl_heap_visible.flags}. */
    private static final int VISIBILITYMAP_XLOG_CATALOG_REL = 0x04;
    // 17+: xl_heap_prune.flags
    private static final int XLHP_IS_CATALOG_REL = 1 << 1;
    private static final int XLHP_CLEANUP_LOCK = 1 << 2;
    private static final int XLHP_HAS_CONFLICT_HORIZON = 1 << 3;

    // nbtxlog.h, hash_xlog.h, gistxlog.h, spgxlog.h
    private static final int XLOG_BTREE_DELETE = 0x70;
    private static final int XLOG_BTREE_REUSE_PAGE = 0xD0;
    private static final int XLOG_HASH_VACUUM_ONE_PAGE = 0xC0;
    private static final int XLOG_GIST_DELETE = 0x10;
    private static final int XLOG_GIST_PAGE_REUSE = 0x20;
    private static final int XLOG_SPGIST_VACUUM_REDIRECT = 0x80;

    private ConflictRecordDecoder() {
    }

    /**
     * Decodes the current record of a reader. Records that matter for no conflict come back as
     * {@link ConflictRecord.Other} (the record's body is then not decoded).
     *
     * @throws WalFormatException if the record is too short for its type's struct, or lacks the block reference
     *                            replay takes the relation from
     */
    public static ConflictRecord decode(WalRecord record) {
        int rmid = record.rmid();
        int info = record.info() & 0xF0;
        int major = record.serverMajor();
        if (rmid == RM_HEAP2) {
            return heap2(record, info & XLOG_HEAP_OPMASK, major);
        } else if (rmid == RM_XACT) {
            return transaction(record, info, major);
        } else if (rmid == RM_STANDBY) {
            return info == XLOG_STANDBY_LOCK ? standbyLock(record)
                : info == XLOG_RUNNING_XACTS ? runningXacts(record) : other(record);
        } else if (rmid == RM_BTREE) {
            return info == XLOG_BTREE_DELETE ? btreeDelete(record, major)
                : info == XLOG_BTREE_REUSE_PAGE ? btreeReusePage(record, major) : other(record);
        } else if (rmid == RM_HASH) {
            return info == XLOG_HASH_VACUUM_ONE_PAGE ? hashVacuumOnePage(record, major) : other(record);
        } else if (rmid == RM_GIST) {
            return info == XLOG_GIST_DELETE ? gistDelete(record, major)
                : info == XLOG_GIST_PAGE_REUSE ? gistPageReuse(record, major) : other(record);
        } else if (rmid == RM_SPGIST) {
            return info == XLOG_SPGIST_VACUUM_REDIRECT ? spgistVacuumRedirect(record, major) : other(record);
        } else if (rmid == RM_DBASE) {
            return info == (major >= 15 ? XLOG_DBASE_DROP_15 : XLOG_DBASE_DROP_13) ? databaseDrop(record)
                : other(record);
        } else if (rmid == RM_TBLSPC) {
            return info == XLOG_TBLSPC_DROP ? tablespaceDrop(record) : other(record);
        } else if (rmid == RM_XLOG) {
            return info == XLOG_CHECKPOINT_SHUTDOWN || info == XLOG_CHECKPOINT_ONLINE ? checkpoint(record, info)
                : other(record);
        }
        return other(record);
    }

    private static ConflictRecord other(WalRecord record) {
        return new ConflictRecord.Other(record.lsn(), record.rmid(), record.info());
    }

    // ------------------------------------------------------------------ heap2

    private static ConflictRecord heap2(WalRecord record, int op, int major) {
        if (major >= 17) {
            // xl_heap_prune {uint8 reason@0, uint8 flags@1}; with XLHP_HAS_CONFLICT_HORIZON the horizon follows,
            // unaligned, @2. FREEZE_PAGE and VACUUM are gone: freezing and LP_DEAD->unused are PRUNE_* records.
            CleanupKind kind = switch (op) {
                case XLOG_HEAP2_PRUNE_ON_ACCESS -> CleanupKind.HEAP2_PRUNE_ON_ACCESS;
                case XLOG_HEAP2_PRUNE_VACUUM_SCAN -> CleanupKind.HEAP2_PRUNE_VACUUM_SCAN;
                case XLOG_HEAP2_PRUNE_VACUUM_CLEANUP -> CleanupKind.HEAP2_PRUNE_VACUUM_CLEANUP;
                default -> null;
            };
            if (kind != null) {
                WalRecordBody body = mainData(record, kind, 2);
                int flags = u8(record, body, 1);
                long horizon = 0;
                if ((flags & XLHP_HAS_CONFLICT_HORIZON) != 0) {
                    require(record, body, kind, 6);
                    horizon = u32(record, body, 2);
                }
                return snapshot(record, body, kind, 0, horizon, horizon, (flags & XLHP_IS_CATALOG_REL) != 0,
                    (flags & XLHP_CLEANUP_LOCK) != 0);
            }
        } else if (major >= 14) {
            if (op == XLOG_HEAP2_PRUNE_14) {
                // xl_heap_prune {horizon@0, nredirected u16@4, ndead u16@6}; 16+: isCatalogRel@8
                return horizonAt0(record, CleanupKind.HEAP2_PRUNE, major >= 16 ? 9 : 8, major >= 16 ? 8 : -1, true);
            }
            if (op == XLOG_HEAP2_FREEZE_PAGE_14) {
                return freezePage(record, major);
            }
        } else {
            if (op == XLOG_HEAP2_CLEAN_13) {
                // xl_heap_clean {latestRemovedXid@0, nredirected u16@4, ndead u16@6}
                return horizonAt0(record, CleanupKind.HEAP2_CLEAN, 8, -1, true);
            }
            if (op == XLOG_HEAP2_FREEZE_PAGE_13) {
                return freezePage(record, major);
            }
            if (op == XLOG_HEAP2_CLEANUP_INFO_13) {
                // xl_heap_cleanup_info {RelFileNode@0, latestRemovedXid@12}: no block reference.
                WalRecordBody body = mainData(record, CleanupKind.HEAP2_CLEANUP_INFO, 16);
                long horizon = u32(record, body, 12);
                return new ConflictRecord.SnapshotConflict(record.lsn(), CleanupKind.HEAP2_CLEANUP_INFO,
                    locator(record, body, 0), -1, horizon, horizon, false, false);
            }
        }
        if (op == XLOG_HEAP2_VISIBLE) {
            // xl_heap_visible {cutoff_xid (16+: snapshotConflictHorizon)@0, flags u8@4}. Block 0 is the
            // visibility-map page, block 1 the heap page, whose relation scopes the conflict.
            WalRecordBody body = mainData(record, CleanupKind.HEAP2_VISIBLE, 5);
            long horizon = u32(record, body, 0);
            boolean catalog = major >= 16 && (u8(record, body, 4) & VISIBILITYMAP_XLOG_CATALOG_REL) != 0;
            return snapshot(record, body, CleanupKind.HEAP2_VISIBLE, 1, horizon, horizon, catalog, false);
        }
        return other(record);
    }

    private static ConflictRecord freezePage(WalRecord record, int major) {
        if (major >= 16) {
            // xl_heap_freeze_page {snapshotConflictHorizon@0, nplans u16@4, isCatalogRel@6}: the primary already
            // retreated the cutoff, replay uses the horizon as logged.
            return horizonAt0(record, CleanupKind.HEAP2_FREEZE_PAGE, 7, 6, false);
        }
        // xl_heap_freeze_page {cutoff_xid@0, ntuples u16@4}: replay conflicts with TransactionIdRetreat(cutoff_xid)
        // (heap_xlog_freeze_page).
        WalRecordBody body = mainData(record, CleanupKind.HEAP2_FREEZE_PAGE, 6);
        long cutoff = u32(record, body, 0);
        return snapshot(record, body, CleanupKind.HEAP2_FREEZE_PAGE, 0, retreat(cutoff), cutoff, false, false);
    }

    /** {@code TransactionIdRetreat}: one back, skipping the special xids 0–2 (so 3 becomes 0xFFFFFFFF). */
    static long retreat(long xid) {
        long x = xid;
        do {
            x = (x - 1) & 0xFFFF_FFFFL;
        } while (x < 3);
        return x;
    }

    // ------------------------------------------------------------------ indexes

    private static ConflictRecord btreeDelete(WalRecord record, int major) {
        // xl_btree_delete {latestRemovedXid (16+: snapshotConflictHorizon)@0, 13: ndeleted u32@4; 14+: ndeleted
        // u16@4, nupdated u16@6; 16+: isCatalogRel@8}. Replay takes an exclusive lock only.
        return horizonAt0(record, CleanupKind.BTREE_DELETE, major >= 16 ? 9 : 8, major >= 16 ? 8 : -1, false);
    }

    private static ConflictRecord btreeReusePage(WalRecord record, int major) {
        // xl_btree_reuse_page {RelFileNode@0, block@12, 13: latestRemovedXid u32@16; 14+: FullTransactionId
        // u64@16; 16+: isCatalogRel@24}. No block reference: the relation is in the main data.
        if (major >= 14) {
            return pageReuse(record, CleanupKind.BTREE_REUSE_PAGE, major);
        }
        WalRecordBody body = mainData(record, CleanupKind.BTREE_REUSE_PAGE, 20);
        long horizon = u32(record, body, 16);
        return new ConflictRecord.SnapshotConflict(record.lsn(), CleanupKind.BTREE_REUSE_PAGE,
            locator(record, body, 0), u32(record, body, 12), horizon, horizon, false, false);
    }

    private static ConflictRecord hashVacuumOnePage(WalRecord record, int major) {
        // xl_hash_vacuum_one_page {latestRemovedXid (16+: snapshotConflictHorizon)@0, 13–15: int ntuples@4;
        // 16+: u16 ntuples@4, isCatalogRel@6}, then ntuples offsets in the main data from @8 (all versions;
        // docs/recovery-conflicts.md leaves the array out). Block 0 is the bucket page, cleanup-locked at replay.
        return horizonAt0(record, CleanupKind.HASH_VACUUM_ONE_PAGE, major >= 16 ? 7 : 8, major >= 16 ? 6 : -1,
            true);
    }

    private static ConflictRecord gistDelete(WalRecord record, int major) {
        // gistxlogDelete {latestRemovedXid (16+: snapshotConflictHorizon)@0, ntodelete u16@4; 16+: isCatalogRel@6},
        // then ntodelete offsets in the main data from @6 (16+: @8).
        return horizonAt0(record, CleanupKind.GIST_DELETE, major >= 16 ? 7 : 6, major >= 16 ? 6 : -1, false);
    }

    private static ConflictRecord gistPageReuse(WalRecord record, int major) {
        // gistxlogPageReuse {RelFileNode@0, block@12, FullTransactionId@16 (all of 13–18); 16+: isCatalogRel@24}
        return pageReuse(record, CleanupKind.GIST_PAGE_REUSE, major);
    }

    private static ConflictRecord pageReuse(WalRecord record, CleanupKind kind, int major) {
        WalRecordBody body = mainData(record, kind, major >= 16 ? 25 : 24);
        long fullXid = i64(record, body, 16);
        boolean catalog = major >= 16 && u8(record, body, 24) != 0;
        return new ConflictRecord.SnapshotConflict(record.lsn(), kind, locator(record, body, 0),
            u32(record, body, 12), fullXid & 0xFFFF_FFFFL, fullXid, catalog, false);
    }

    private static ConflictRecord spgistVacuumRedirect(WalRecord record, int major) {
        // spgxlogVacuumRedirect {nToPlaceholder u16@0, firstPlaceholder u16@2, newestRedirectXid (16+:
        // snapshotConflictHorizon)@4; 16+: isCatalogRel@8}, then nToPlaceholder offsets in the main data from @8
        // (16+: @10). The horizon is 0 when no redirect was converted: no conflict.
        CleanupKind kind = CleanupKind.SPGIST_VACUUM_REDIRECT;
        WalRecordBody body = mainData(record, kind, major >= 16 ? 9 : 8);
        long horizon = u32(record, body, 4);
        boolean catalog = major >= 16 && u8(record, body, 8) != 0;
        return snapshot(record, body, kind, 0, horizon, horizon, catalog, false);
    }

    /** The common shape: the horizon at offset 0, the relation from block 0. */
    private static ConflictRecord horizonAt0(WalRecord record, CleanupKind kind, int minLength, int catalogOffset,
                                             boolean cleanupLock) {
        WalRecordBody body = mainData(record, kind, minLength);
        long horizon = u32(record, body, 0);
        boolean catalog = catalogOffset >= 0 && u8(record, body, catalogOffset) != 0;
        return snapshot(record, body, kind, 0, horizon, horizon, catalog, cleanupLock);
    }

    private static ConflictRecord snapshot(WalRecord record, WalRecordBody body, CleanupKind kind, int blockId,
                                           long horizon, long logged, boolean catalog, boolean cleanupLock) {
        int index = blockIndex(record, body, kind, blockId);
        return new ConflictRecord.SnapshotConflict(record.lsn(), kind, new RelFileLocator(body.tablespace(index),
            body.database(index), body.relation(index)), body.blockNumber(index), horizon, logged, catalog, cleanupLock);
    }

    private static int blockIndex(WalRecord record, WalRecordBody body, CleanupKind kind, int blockId) {
        for (int i = 0; i < body.blockCount(); i++) {
            if (body.blockId(i) == blockId) {
                return i;
            }
        }
        throw record.defect(Defect.BAD_RECORD_BODY, kind.recordType() + " without block reference #" + blockId
            + " (expected: the block whose relation replay checks)");
    }

    // ------------------------------------------------------------------ standby, database, tablespace

    private static ConflictRecord standbyLock(WalRecord record) {
        // xl_standby_locks {int nlocks@0, then nlocks x {xid, dbOid, relOid}@4}
        String type = "Standby/LOCK";
        WalRecordBody body = mainData(record, type, 4);
        int nlocks = count(record, body, type, 0, 4, 12);
        List<Lock> locks = new ArrayList<>(nlocks);
        for (int i = 0, at = 4; i < nlocks; i++, at += 12) {
            locks.add(new Lock(u32(record, body, at), u32(record, body, at + 4), u32(record, body, at + 8)));
        }
        return new ConflictRecord.StandbyLocks(record.lsn(), locks);
    }

    private static ConflictRecord runningXacts(WalRecord record) {
        // xl_running_xacts {int xcnt@0, int subxcnt@4, bool subxid_overflow@8, nextXid@12, oldestRunningXid@16,
        // latestCompletedXid@20, xids[xcnt + subxcnt]@24}
        String type = "Standby/RUNNING_XACTS";
        WalRecordBody body = mainData(record, type, 24);
        int xcnt = i32(record, body, 0);
        int subxcnt = i32(record, body, 4);
        long xids = (long) xcnt + subxcnt;
        if (xcnt < 0 || subxcnt < 0 || 24 + 4 * xids > body.mainDataLength()) {
            throw record.defect(Defect.BAD_RECORD_BODY, type + " xcnt " + xcnt + " subxcnt " + subxcnt
                + " (expected: >= 0, with 4 bytes each in " + (body.mainDataLength() - 24) + " bytes)");
        }
        return new ConflictRecord.RunningXacts(record.lsn(), u32(record, body, 12), u32(record, body, 16),
            u32(record, body, 20), xcnt, subxcnt, u8(record, body, 8) != 0, xids(record, body, 24, (int) xids));
    }

    private static ConflictRecord databaseDrop(WalRecord record) {
        // xl_dbase_drop_rec {db_id@0, int ntablespaces@4, tablespace_ids[]@8} (13–18)
        String type = "Database/DROP";
        WalRecordBody body = mainData(record, type, 8);
        int n = count(record, body, type, 4, 8, 4);
        List<Long> tablespaces = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tablespaces.add(u32(record, body, 8 + 4 * i));
        }
        return new ConflictRecord.DatabaseDrop(record.lsn(), u32(record, body, 0), tablespaces);
    }

    private static ConflictRecord tablespaceDrop(WalRecord record) {
        // xl_tblspc_drop_rec {ts_id@0}
        WalRecordBody body = mainData(record, "Tablespace/DROP", 4);
        return new ConflictRecord.TablespaceDrop(record.lsn(), u32(record, body, 0));
    }

    // ------------------------------------------------------------------ transaction, checkpoint

    private static ConflictRecord transaction(WalRecord record, int info, int major) {
        TransactionOutcome outcome = switch (info & XLOG_XACT_OPMASK) {
            case XLOG_XACT_COMMIT -> TransactionOutcome.COMMIT;
            case XLOG_XACT_ABORT -> TransactionOutcome.ABORT;
            case XLOG_XACT_COMMIT_PREPARED -> TransactionOutcome.COMMIT_PREPARED;
            case XLOG_XACT_ABORT_PREPARED -> TransactionOutcome.ABORT_PREPARED;
            default -> null;
        };
        if (outcome == null) {
            return other(record);
        }
        boolean commit = outcome == TransactionOutcome.COMMIT || outcome == TransactionOutcome.COMMIT_PREPARED;
        String type = "Transaction/" + outcome.name();
        // xl_xact_commit / xl_xact_abort {TimestampTz xact_time@0}; with XLOG_XACT_HAS_INFO, xinfo u32@8 and then,
        // each only if its bit is set and in this order (ParseCommitRecord / ParseAbortRecord): dbinfo (8 bytes),
        // subxacts (int n + n xids), relfilenodes (int n + n x 12), dropped stats (15+; int n + n x 12, 16 in 18
        // where objid became 64-bit: not in docs/recovery-conflicts.md, checked on real 18 WAL through the twophase xid
        // behind it), invalidations (commit only; int n + n x 16), twophase xid.
        WalRecordBody body = mainData(record, type, 8);
        long xactTime = i64(record, body, 0);
        int xinfo = 0;
        int at = 8;
        if ((info & XLOG_XACT_HAS_INFO) != 0) {
            require(record, body, type, 12);
            xinfo = i32(record, body, 8);
            at = 12;
        }
        if ((xinfo & XACT_XINFO_HAS_DBINFO) != 0) {
            require(record, body, type, at + 8);
            at += 8;
        }
        List<Long> subxids = List.of();
        if ((xinfo & XACT_XINFO_HAS_SUBXACTS) != 0) {
            int n = count(record, body, type, at, at + 4, 4);
            subxids = xids(record, body, at + 4, n);
            at += 4 + 4 * n;
        }
        if ((xinfo & XACT_XINFO_HAS_RELFILENODES) != 0) {
            at += 4 + 12 * count(record, body, type, at, at + 4, 12);
        }
        if (major >= 15 && (xinfo & XACT_XINFO_HAS_DROPPED_STATS) != 0) {
            int itemSize = major >= 18 ? 16 : 12;
            at += 4 + itemSize * count(record, body, type, at, at + 4, itemSize);
        }
        if (commit && (xinfo & XACT_XINFO_HAS_INVALS) != 0) {
            at += 4 + 16 * count(record, body, type, at, at + 4, 16);
        }
        long xid = Integer.toUnsignedLong(record.xid());
        if ((xinfo & XACT_XINFO_HAS_TWOPHASE) != 0) {
            require(record, body, type, at + 4);
            xid = u32(record, body, at);
        }
        return new ConflictRecord.TransactionEnd(record.lsn(), outcome, xid, xactTime, subxids,
            (xinfo & XACT_XINFO_HAS_AE_LOCKS) != 0);
    }

    private static ConflictRecord checkpoint(WalRecord record, int info) {
        // CheckPoint {redo u64@0, ThisTimeLineID@8, PrevTimeLineID@12, fullPageWrites@16, (17+: int wal_level@20),
        // FullTransactionId nextXid@24, nextOid@32, nextMulti@36, nextMultiOffset@40, oldestXid@44,
        // oldestXidDB@48, oldestMulti@52, oldestMultiDB@56, pg_time_t time@64, oldestCommitTsXid@72,
        // newestCommitTsXid@76, oldestActiveXid@80}
        boolean shutdown = info == XLOG_CHECKPOINT_SHUTDOWN;
        WalRecordBody body = mainData(record, shutdown ? "XLOG/CHECKPOINT_SHUTDOWN" : "XLOG/CHECKPOINT_ONLINE",
            CHECKPOINT_SIZE);
        return new ConflictRecord.Checkpoint(record.lsn(), shutdown, i64(record, body, 0), i32(record, body, 8),
            i64(record, body, 24), u32(record, body, 44), u32(record, body, 80), i64(record, body, 64));
    }

    // ------------------------------------------------------------------ bounded reads of the main data

    private static WalRecordBody mainData(WalRecord record, CleanupKind kind, int minLength) {
        return mainData(record, kind.recordType(), minLength);
    }

    private static WalRecordBody mainData(WalRecord record, String type, int minLength) {
        WalRecordBody body = record.body();
        require(record, body, type, minLength);
        return body;
    }

    private static void require(WalRecord record, WalRecordBody body, CleanupKind kind, int length) {
        require(record, body, kind.recordType(), length);
    }

    private static void require(WalRecord record, WalRecordBody body, String type, long length) {
        if (body.mainDataLength() < length) {
            throw record.defect(Defect.BAD_RECORD_BODY, type + " main data length: " + body.mainDataLength()
                + " (expected: >= " + length + ")");
        }
    }

    /** A non-negative {@code int n} at {@code at}, checked so that n items of {@code itemSize} fit from {@code from}. */
    private static int count(WalRecord record, WalRecordBody body, String type, int at, int from, int itemSize) {
        require(record, body, type, at + 4L);
        int n = i32(record, body, at);
        if (n < 0 || from + (long) n * itemSize > body.mainDataLength()) {
            throw record.defect(Defect.BAD_RECORD_BODY, type + " count at main data offset " + at + ": " + n
                + " (expected: 0.." + Math.max(0, (body.mainDataLength() - from) / itemSize) + ")");
        }
        return n;
    }

    /** {@code n} xids from {@code at}; the caller has checked that they fit. */
    private static List<Long> xids(WalRecord record, WalRecordBody body, int at, int n) {
        if (n == 0) {
            return List.of();
        }
        Long[] xids = new Long[n];
        for (int i = 0; i < n; i++) {
            xids[i] = u32(record, body, at + 4 * i);
        }
        return List.of(xids);
    }

    private static RelFileLocator locator(WalRecord record, WalRecordBody body, int at) {
        return new RelFileLocator(u32(record, body, at), u32(record, body, at + 4), u32(record, body, at + 8));
    }

    // Callers have checked the length; offsets are relative to the main data.

    private static int u8(WalRecord record, WalRecordBody body, int at) {
        return record.array()[body.mainDataOffset() + at] & 0xFF;
    }

    private static int i32(WalRecord record, WalRecordBody body, int at) {
        return (int) U32.get(record.array(), body.mainDataOffset() + at);
    }

    private static long u32(WalRecord record, WalRecordBody body, int at) {
        return Integer.toUnsignedLong(i32(record, body, at));
    }

    private static long i64(WalRecord record, WalRecordBody body, int at) {
        return (long) I64.get(record.array(), body.mainDataOffset() + at);
    }
}
