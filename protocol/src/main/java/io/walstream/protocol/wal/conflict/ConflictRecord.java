package io.walstream.protocol.wal.conflict;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.protocol.wal.RmgrId;
import java.time.Instant;
import java.util.List;

/**
 * What one WAL record means for a hot standby's recovery conflicts, as decoded by {@link ConflictRecordDecoder}.
 *
 * <p>Transaction ids and OIDs are unsigned 32-bit values held in a {@code long} (0 = invalid), so they print and
 * compare as PostgreSQL prints them; compare xids modulo 2^32 ({@code (int) (a - b) < 0}) as PostgreSQL does.
 */
public sealed interface ConflictRecord {

    /** Where the record starts. */
    long lsn();

    /** The record type as pg_waldump's {@code --stats=record} names it, e.g. {@code Heap2/PRUNE}. */
    String recordType();

    /**
     * A record after which replay needs every standby snapshot whose xmin is at or before
     * {@link #snapshotConflictHorizon()} to be gone (ResolveRecoveryConflictWithSnapshot): heap pruning, freezing and
     * visibility-map setting, and index-tuple or index-page removal.
     *
     * @param kind                    the record type
     * @param relation                the relation whose database scopes the conflict (dbOid 0 = shared: every database)
     * @param block                   the block of {@code relation} that replay changes (for a buffer-pin conflict), -1
     *                                when the record names none (CLEANUP_INFO)
     * @param snapshotConflictHorizon the 32-bit xid replay passes to the conflict check; 0 = no conflict
     * @param logged                  the horizon as the record stores it (what pg_waldump prints): the freeze
     *                                {@code cutoff_xid} before 16 (one more than the horizon), a FullTransactionId
     *                                ({@code epoch << 32 | xid}) for the page-reuse records, else the horizon itself
     * @param catalogRelation         {@code isCatalogRel} (16+; false before): the relation is a catalog, so logical
     *                                slots on the standby may be invalidated too
     * @param cleanupLock             replay takes a cleanup lock on the block, so a reader's buffer pin on it conflicts
     */
    record SnapshotConflict(long lsn, CleanupKind kind, RelFileLocator relation, long block,
                            long snapshotConflictHorizon, long logged, boolean catalogRelation, boolean cleanupLock)
        implements ConflictRecord {

        @Override
        public String recordType() {
            return kind.recordType();
        }

        @Override
        public String toString() {
            return recordType() + " at " + Lsn.format(lsn) + ": horizon " + snapshotConflictHorizon
                + (logged != snapshotConflictHorizon ? " (logged " + logged + ")" : "") + ", rel " + relation
                + " blk " + block + (catalogRelation ? ", catalog" : "") + (cleanupLock ? ", cleanup lock" : "");
        }
    }

    /** The record types that carry a snapshot conflict horizon, named as pg_waldump names them. */
    enum CleanupKind {
        /** 13 only; 14 renamed it PRUNE. */
        HEAP2_CLEAN("Heap2/CLEAN", false),
        /** 13 only: logged by VACUUM before index cleanup, with no block reference. */
        HEAP2_CLEANUP_INFO("Heap2/CLEANUP_INFO", false),
        /** 14–16. */
        HEAP2_PRUNE("Heap2/PRUNE", false),
        /** 13–16; 17 folded freezing into the PRUNE_VACUUM_* records. */
        HEAP2_FREEZE_PAGE("Heap2/FREEZE_PAGE", false),
        HEAP2_VISIBLE("Heap2/VISIBLE", false),
        /** 17+. */
        HEAP2_PRUNE_ON_ACCESS("Heap2/PRUNE_ON_ACCESS", false),
        /** 17+. */
        HEAP2_PRUNE_VACUUM_SCAN("Heap2/PRUNE_VACUUM_SCAN", false),
        /** 17+. */
        HEAP2_PRUNE_VACUUM_CLEANUP("Heap2/PRUNE_VACUUM_CLEANUP", false),
        BTREE_DELETE("Btree/DELETE", false),
        /** A FullTransactionId from 14 on. */
        BTREE_REUSE_PAGE("Btree/REUSE_PAGE", true),
        HASH_VACUUM_ONE_PAGE("Hash/VACUUM_ONE_PAGE", false),
        GIST_DELETE("Gist/DELETE", false),
        GIST_PAGE_REUSE("Gist/PAGE_REUSE", true),
        SPGIST_VACUUM_REDIRECT("SPGist/VACUUM_REDIRECT", false);

        private final String recordType;
        private final boolean fullTransactionId;

        CleanupKind(String recordType, boolean fullTransactionId) {
            this.recordType = recordType;
            this.fullTransactionId = fullTransactionId;
        }

        public String recordType() {
            return recordType;
        }

        /**
         * Whether the record logs a FullTransactionId (in {@code logged}); replay then skips the conflict when the
         * horizon is 2^31 or more xids behind the next one (ResolveRecoveryConflictWithSnapshotFullXid).
         */
        public boolean fullTransactionId(int major) {
            return fullTransactionId && (this != BTREE_REUSE_PAGE || major >= 14);
        }
    }

    /**
     * Standby/LOCK: AccessExclusiveLocks the primary took; replaying it waits for standby readers holding any lock on
     * those relations (a lock conflict).
     */
    record StandbyLocks(long lsn, List<Lock> locks) implements ConflictRecord {

        public StandbyLocks {
            locks = List.copyOf(locks);
        }

        @Override
        public String recordType() {
            return "Standby/LOCK";
        }
    }

    /** One {@code xl_standby_lock}: the transaction holding it, and the relation (database 0 = shared relation). */
    record Lock(long xid, long database, long relation) {
    }

    /**
     * Standby/RUNNING_XACTS: the primary's running transactions, logged at checkpoints and every 15 s by the
     * bgwriter; a standby builds its snapshots' xmin from it.
     */
    record RunningXacts(long lsn, long nextXid, long oldestRunningXid, long latestCompletedXid, int xcnt, int subxcnt,
                        boolean subxidOverflow, List<Long> xids) implements ConflictRecord {

        /** @param xids the running xids as logged: {@code xcnt} top-level ones, then {@code subxcnt} subxids */
        public RunningXacts {
            xids = List.copyOf(xids);
        }

        @Override
        public String recordType() {
            return "Standby/RUNNING_XACTS";
        }
    }

    /** Database/DROP: readers connected to the database are cancelled at once (a database conflict, not counted). */
    record DatabaseDrop(long lsn, long database, List<Long> tablespaces) implements ConflictRecord {

        public DatabaseDrop {
            tablespaces = List.copyOf(tablespaces);
        }

        @Override
        public String recordType() {
            return "Database/DROP";
        }
    }

    /** Tablespace/DROP: a tablespace conflict with every reader, if temporary files are left in it on the standby. */
    record TablespaceDrop(long lsn, long tablespace) implements ConflictRecord {

        @Override
        public String recordType() {
            return "Tablespace/DROP";
        }
    }

    /** How a transaction ended. */
    enum TransactionOutcome {
        COMMIT, ABORT, COMMIT_PREPARED, ABORT_PREPARED
    }

    /**
     * Transaction/COMMIT, ABORT, COMMIT_PREPARED or ABORT_PREPARED: a transaction ends on the standby (its locks are
     * released, its xid leaves the running set); {@code xact_time} is what {@code pg_last_xact_replay_timestamp()}
     * reports.
     *
     * @param xid                  the transaction: the prepared one's xid for the _PREPARED kinds, else {@code xl_xid}
     * @param xactTime             {@code xact_time}, microseconds since 2000-01-01 UTC
     * @param subxids              the subtransaction xids that end with it
     * @param accessExclusiveLocks {@code XACT_XINFO_HAS_AE_LOCKS}: it held AccessExclusiveLocks the standby releases
     */
    record TransactionEnd(long lsn, TransactionOutcome outcome, long xid, long xactTime, List<Long> subxids,
                          boolean accessExclusiveLocks) implements ConflictRecord {

        public TransactionEnd {
            subxids = List.copyOf(subxids);
        }

        /** How many subtransaction xids end with it. */
        public int subxacts() {
            return subxids.size();
        }

        @Override
        public String recordType() {
            return "Transaction/" + outcome.name();
        }

        public Instant xactInstant() {
            return PgEpoch.toInstant(xactTime);
        }
    }

    /**
     * XLOG/CHECKPOINT_SHUTDOWN or CHECKPOINT_ONLINE. A shutdown checkpoint tells a standby that no transaction is
     * running; an online one's {@code oldestActiveXid} can start hot standby.
     *
     * @param nextFullXid {@code epoch << 32 | xid}
     * @param time        {@code pg_time_t}: seconds since 1970-01-01 UTC
     */
    record Checkpoint(long lsn, boolean shutdown, long redo, int timeline, long nextFullXid, long oldestXid,
                      long oldestActiveXid, long time) implements ConflictRecord {

        @Override
        public String recordType() {
            return shutdown ? "XLOG/CHECKPOINT_SHUTDOWN" : "XLOG/CHECKPOINT_ONLINE";
        }
    }

    /** Any other record: nothing a conflict model needs beyond its position. */
    record Other(long lsn, int rmid, int info) implements ConflictRecord {

        @Override
        public String recordType() {
            return RmgrId.nameOf(rmid) + "/0x" + Integer.toHexString(info & 0xF0);
        }
    }
}
