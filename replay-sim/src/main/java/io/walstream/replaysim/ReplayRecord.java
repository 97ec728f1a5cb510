package io.walstream.replaysim;

import io.walstream.protocol.wal.conflict.ConflictRecord;

/**
 * One WAL record as the standby's startup process meets it: what it means for recovery conflicts, as
 * {@code protocol}'s {@link io.walstream.protocol.wal.conflict.ConflictRecordDecoder} decodes it (or the synthetic
 * workload builds it), where it ends, and the xid that wrote it (0 for none). {@code records} &gt; 1 stands for
 * that many consecutive {@linkplain #plain() plain} records of the same xid (or none) taken as one: replaying them
 * costs as much, and nothing in between can conflict, so a long archive needs far fewer objects; {@code decoded}
 * is then the first of them.
 *
 * <p>The simulator reads xids and OIDs as PostgreSQL does, as 32-bit values compared modulo 2^32: it narrows the
 * decoder's unsigned {@code long}s to {@code int} where it uses them.
 */
public record ReplayRecord(ConflictRecord decoded, long endLsn, int xid, int records) {

    public ReplayRecord {
        if (decoded == null || endLsn <= decoded.lsn() || records < 1
                || records > 1 && !(decoded instanceof ConflictRecord.Other || decoded instanceof ConflictRecord.Checkpoint)) {
            throw new IllegalArgumentException("a record ends after it starts and was decoded; only plain ones merge");
        }
    }

    public ReplayRecord(ConflictRecord decoded, long endLsn, int xid) {
        this(decoded, endLsn, xid, 1);
    }

    /** Where the record (the first of them, when merged) starts. */
    public long lsn() {
        return decoded.lsn();
    }

    /**
     * Whether replaying it means nothing to the model: a record that is neither a conflict, a lock, a transaction
     * end nor a RUNNING_XACTS (inserts, updates, full-page images, checkpoints, ...).
     */
    public boolean plain() {
        return decoded instanceof ConflictRecord.Other || decoded instanceof ConflictRecord.Checkpoint;
    }

    /** This plain record followed by {@code next}, a plain record of the same xid or none, as one. */
    public ReplayRecord followedBy(ReplayRecord next) {
        return new ReplayRecord(decoded, next.endLsn, xid != 0 ? xid : next.xid, records + next.records);
    }

    /** Whether {@code next} can be taken together with this one (both plain, no new xid between them). */
    public boolean mergesWith(ReplayRecord next) {
        return plain() && next.plain() && (next.xid == 0 || next.xid == xid);
    }
}
