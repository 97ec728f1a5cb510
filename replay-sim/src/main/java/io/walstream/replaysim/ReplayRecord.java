package io.walstream.replaysim;

import java.util.List;

/**
 * One WAL record as the standby's startup process meets it: where it ends, the xid that wrote it
 * (0 for none), and what replaying it does that the simulator models. {@code records} &gt; 1 stands for that many
 * consecutive {@link Plain} records of the same xid (or none) taken as one: replaying them costs as much, and
 * nothing in between can conflict, so a long archive needs far fewer objects.
 */
public record ReplayRecord(long lsn, long endLsn, int xid, Effect effect, int records) {

    public ReplayRecord {
        if (endLsn <= lsn || effect == null || records < 1 || records > 1 && !(effect instanceof Plain)) {
            throw new IllegalArgumentException("a record ends after it starts and has an effect; only plain ones merge");
        }
    }

    public ReplayRecord(long lsn, long endLsn, int xid, Effect effect) {
        this(lsn, endLsn, xid, effect, 1);
    }

    /** This plain record followed by {@code next}, a plain record of the same xid or none, as one. */
    public ReplayRecord followedBy(ReplayRecord next) {
        return new ReplayRecord(lsn, next.endLsn, xid != 0 ? xid : next.xid, Plain.INSTANCE, records + next.records);
    }

    /** Whether {@code next} can be taken together with this one (both plain, no new xid between them). */
    public boolean mergesWith(ReplayRecord next) {
        return effect instanceof Plain && next.effect instanceof Plain && (next.xid == 0 || next.xid == xid);
    }

    /** What replaying a record does to queries on the standby and to its transaction state. */
    public sealed interface Effect {
    }

    /** Nothing the model needs (inserts, updates, full-page images, ...). */
    public record Plain() implements Effect {
        public static final Plain INSTANCE = new Plain();
    }

    /**
     * Removes row versions up to {@code horizon} in database {@code dbOid} (0: a shared relation, every
     * database): queries whose snapshot xmin precedes or equals it conflict (heap prune/freeze/visible,
     * btree/hash/gist/spgist deletes and page reuse). A horizon of 0 conflicts with nothing. When
     * {@code cleanupBlock} is not null, replay also needs a cleanup lock on that page (heap prune and vacuum):
     * queries holding a pin on it conflict (buffer pin).
     */
    public record SnapshotConflict(int horizon, int dbOid, Block cleanupBlock) implements Effect {
        public SnapshotConflict(int horizon, int dbOid) {
            this(horizon, dbOid, null);
        }
    }

    /** A page: relation file number and block number, in database {@code dbOid}. */
    public record Block(int dbOid, int relNumber, int block) {
    }

    /** AccessExclusiveLocks taken on the primary (standby LOCK): queries holding any lock on those relations conflict. */
    public record Locks(List<LockedRelation> relations) implements Effect {
        public Locks {
            relations = List.copyOf(relations);
        }
    }

    /** One relation in a standby LOCK record; {@code dbOid} 0 is a shared relation. */
    public record LockedRelation(int xid, int dbOid, int relOid) {
    }

    /** DROP DATABASE: its sessions are terminated at once, FATAL, and not counted. */
    public record DatabaseDrop(int dbOid) implements Effect {
    }

    /** DROP TABLESPACE: a conflict with every query only when temporary files remain there. */
    public record TablespaceDrop(int tablespaceOid) implements Effect {
    }

    /** A transaction (and its subtransactions) ends; {@code xactTimeMicros} is its commit/abort time on the primary. */
    public record XactEnd(int xid, int[] subxids, boolean commit, long xactTimeMicros) implements Effect {
    }

    /** A snapshot of the primary's running transactions (standby RUNNING_XACTS). */
    public record RunningXacts(int nextXid, int oldestRunningXid, int latestCompletedXid, int[] xids) implements Effect {
    }
}
