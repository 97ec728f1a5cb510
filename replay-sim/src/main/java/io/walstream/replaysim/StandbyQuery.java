package io.walstream.replaysim;

import java.util.List;

/**
 * A read-only query on the standby: when it starts, how long it runs if nothing cancels it, in which
 * database, which relations it reads (it holds AccessShareLock on them until it ends), whether it is inside an
 * explicit transaction that goes idle (then a cancel is FATAL, as in PostgreSQL), and the pages it keeps pinned
 * while it runs (a cursor stopped on a page; WAL cannot tell this, so it is input, empty unless given).
 */
public record StandbyQuery(int id, long startMicros, long durationMicros, int dbOid, List<Integer> relations,
        boolean inTransactionBlock, List<Block> pinnedBlocks) {

    public StandbyQuery {
        if (durationMicros < 0) {
            throw new IllegalArgumentException("negative duration");
        }
        relations = List.copyOf(relations);
        pinnedBlocks = List.copyOf(pinnedBlocks);
    }

    public StandbyQuery(int id, long startMicros, long durationMicros, int dbOid, List<Integer> relations,
            boolean inTransactionBlock) {
        this(id, startMicros, durationMicros, dbOid, relations, inTransactionBlock, List.of());
    }
}
