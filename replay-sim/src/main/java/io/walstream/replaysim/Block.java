package io.walstream.replaysim;

import io.walstream.protocol.wal.conflict.ConflictRecord;

/**
 * A page: relation file number and block number, in database {@code dbOid}. A query can keep one pinned (input:
 * WAL does not tell); a cleanup record that takes a cleanup lock on it then waits for the pin (buffer pin).
 */
public record Block(int dbOid, int relNumber, int block) {

    /**
     * The page {@code c} takes a cleanup lock on at replay (heap prune and vacuum, hash's bucket page), or null when
     * it takes none or names no block: only such a record conflicts with a buffer pin.
     */
    public static Block cleanupLockedBy(ConflictRecord.SnapshotConflict c) {
        if (!c.cleanupLock() || c.block() < 0) {
            return null;
        }
        return new Block((int) c.relation().database(), (int) c.relation().relation(), (int) c.block());
    }
}
