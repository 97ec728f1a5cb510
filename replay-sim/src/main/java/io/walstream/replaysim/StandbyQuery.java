package io.walstream.replaysim;

import java.util.List;

/**
 * A read-only query on the standby: when it starts, how long it runs if nothing cancels it, in which
 * database, which relations it reads (it holds AccessShareLock on them until it ends), and whether
 * it is inside an explicit transaction that goes idle (then a cancel is FATAL, as in PostgreSQL).
 */
public record StandbyQuery(int id, long startMicros, long durationMicros, int dbOid, List<Integer> relations,
        boolean inTransactionBlock) {

    public StandbyQuery {
        if (durationMicros < 0) {
            throw new IllegalArgumentException("negative duration");
        }
        relations = List.copyOf(relations);
    }
}
