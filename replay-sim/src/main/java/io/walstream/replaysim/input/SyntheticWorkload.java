package io.walstream.replaysim.input;

import io.walstream.protocol.wal.RmgrId;
import io.walstream.protocol.wal.conflict.ConflictRecord;
import io.walstream.protocol.wal.conflict.ConflictRecord.CleanupKind;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionOutcome;
import io.walstream.protocol.wal.conflict.RelFileLocator;
import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.StandbyQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A primary's WAL and a standby's queries from parameters, deterministic for a seed: short write
 * transactions (one record and a commit each), cleanup records (prune/vacuum) whose horizon is the
 * newest committed xid, lock-taking DDL holding an AccessExclusiveLock for a while, RUNNING_XACTS every
 * 15 s (as the bgwriter logs them), each record received as it is written (loopback streaming); and
 * read-only queries arriving as a Poisson process with exponentially distributed durations, all in one
 * database reading one table.
 */
public final class SyntheticWorkload {

    /** The database the synthetic primary writes in and its queries run in. */
    public static final int DATABASE = 16384;
    static final int TABLE = 16400;
    /** pg_default: where the synthetic table lives. */
    private static final int DEFAULT_TABLESPACE = 1663;
    /** XLOG_HEAP_UPDATE: what a synthetic transaction's write is. */
    private static final int HEAP_UPDATE = 0x20;
    private static final long RUNNING_XACTS_INTERVAL = 15_000_000;
    private static final long RECORD_BYTES = 64;

    /** Rates per second; times in microseconds. */
    public record Parameters(long durationMicros, double commitsPerSecond, double cleanupsPerSecond,
            double locksPerSecond, long lockHoldMicros, double queriesPerSecond, long meanQueryMicros, long seed) {

        public static Parameters defaults() {
            return new Parameters(300_000_000L, 200, 2, 0.01, 200_000, 1, 5_000_000, 1);
        }
    }

    public final List<ReplayRecord> records;
    public final List<Receipt> receipts;
    public final List<StandbyQuery> queries;

    private SyntheticWorkload(List<ReplayRecord> records, List<Receipt> receipts, List<StandbyQuery> queries) {
        this.records = records;
        this.receipts = receipts;
        this.queries = queries;
    }

    public static SyntheticWorkload generate(Parameters p) {
        SplittableRandom random = new SplittableRandom(p.seed());
        // timed primary events, replayed in time order into records
        enum Kind { RUNNING_XACTS, WRITE, COMMIT, LOCK, CLEANUP }
        record Step(long at, int order, Kind kind, int xid) {
        }
        PriorityQueue<Step> steps = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Integer.compare(a.order, b.order));
        int[] order = {0};
        for (long t = 0; t < p.durationMicros(); t += RUNNING_XACTS_INTERVAL) {
            steps.add(new Step(t, order[0]++, Kind.RUNNING_XACTS, -1)); // filled in below with the state at t
        }
        // transactions are numbered here in creation order; real xids are assigned in time order below
        int transactions = 0;
        for (long t = next(random, p.commitsPerSecond(), 0); t < p.durationMicros();
                t = next(random, p.commitsPerSecond(), t)) {
            int txn = transactions++;
            steps.add(new Step(t, order[0]++, Kind.WRITE, txn));
            steps.add(new Step(t + 1, order[0]++, Kind.COMMIT, txn));
        }
        for (long t = next(random, p.locksPerSecond(), 0); t < p.durationMicros(); t = next(random, p.locksPerSecond(), t)) {
            int txn = transactions++;
            steps.add(new Step(t, order[0]++, Kind.LOCK, txn));
            steps.add(new Step(t + p.lockHoldMicros(), order[0]++, Kind.COMMIT, txn));
        }
        java.util.Map<Integer, Integer> xidOf = new java.util.HashMap<>();
        int nextXid = 1000;
        for (long t = next(random, p.cleanupsPerSecond(), 0); t < p.durationMicros();
                t = next(random, p.cleanupsPerSecond(), t)) {
            steps.add(new Step(t, order[0]++, Kind.CLEANUP, 0)); // horizon from the state at t
        }

        RelFileLocator table = new RelFileLocator(DEFAULT_TABLESPACE, DATABASE, TABLE);
        List<ReplayRecord> records = new ArrayList<>();
        List<Receipt> receipts = new ArrayList<>();
        java.util.Set<Integer> running = new java.util.TreeSet<>();
        int latestCompleted = 999;
        long lsn = 0x1000028;
        while (!steps.isEmpty()) {
            Step s = steps.poll();
            int xid = 0;
            if (s.kind() != Kind.RUNNING_XACTS && s.kind() != Kind.CLEANUP) {
                if (!xidOf.containsKey(s.xid())) {
                    xidOf.put(s.xid(), nextXid++);
                }
                xid = xidOf.get(s.xid());
            }
            ConflictRecord decoded = switch (s.kind()) {
                case RUNNING_XACTS -> {
                    int oldest = running.isEmpty() ? latestCompleted + 1 : running.iterator().next();
                    List<Long> xids = running.stream().map(Integer::longValue).toList();
                    yield new ConflictRecord.RunningXacts(lsn, nextXid, oldest, latestCompleted, xids.size(), 0, false,
                            xids);
                }
                case CLEANUP -> {
                    // vacuum removes what every finished transaction deleted: horizon = the newest completed xid,
                    // capped below the oldest running one (the primary's own xmin); the table as a whole, no page (no
                    // synthetic query pins one), as VACUUM's CLEANUP_INFO names it
                    int horizon = running.isEmpty() ? latestCompleted : Math.min(latestCompleted, running.iterator().next() - 1);
                    yield new ConflictRecord.SnapshotConflict(lsn, CleanupKind.HEAP2_CLEANUP_INFO, table, -1, horizon,
                            horizon, false, false);
                }
                case COMMIT -> {
                    running.remove(xid);
                    latestCompleted = Math.max(latestCompleted, xid);
                    yield new ConflictRecord.TransactionEnd(lsn, TransactionOutcome.COMMIT, xid, s.at(), List.of(),
                            false);
                }
                case LOCK -> {
                    running.add(xid);
                    yield new ConflictRecord.StandbyLocks(lsn, List.of(new ConflictRecord.Lock(xid, DATABASE, TABLE)));
                }
                case WRITE -> {
                    running.add(xid);
                    yield new ConflictRecord.Other(lsn, RmgrId.HEAP.id(), HEAP_UPDATE);
                }
            };
            records.add(new ReplayRecord(decoded, lsn + RECORD_BYTES, xid));
            receipts.add(new Receipt(lsn, lsn + RECORD_BYTES, s.at()));
            lsn += RECORD_BYTES;
        }

        List<StandbyQuery> queries = poissonQueries(random, 0, p.durationMicros(), p.queriesPerSecond(),
                p.meanQueryMicros(), DATABASE, List.of(TABLE));
        return new SyntheticWorkload(List.copyOf(records), List.copyOf(receipts), queries);
    }

    /**
     * Read-only queries arriving as a Poisson process of {@code perSecond} in [from, from + duration), with
     * exponentially distributed durations of mean {@code meanMicros}, in database {@code dbOid} reading
     * {@code relations}; deterministic for a seed.
     */
    public static List<StandbyQuery> poissonQueries(long seed, long fromMicros, long durationMicros, double perSecond,
            long meanMicros, int dbOid, List<Integer> relations) {
        return poissonQueries(new SplittableRandom(seed), fromMicros, durationMicros, perSecond, meanMicros, dbOid,
                relations);
    }

    private static List<StandbyQuery> poissonQueries(SplittableRandom random, long fromMicros, long durationMicros,
            double perSecond, long meanMicros, int dbOid, List<Integer> relations) {
        List<StandbyQuery> queries = new ArrayList<>();
        int id = 1;
        for (long t = next(random, perSecond, 0); t < durationMicros; t = next(random, perSecond, t)) {
            long duration = (long) (-Math.log(1 - random.nextDouble()) * meanMicros);
            queries.add(new StandbyQuery(id++, fromMicros + t, duration, dbOid, relations, false));
        }
        return List.copyOf(queries);
    }

    /** The next arrival of a Poisson process with {@code perSecond} after {@code now}; past the end when the rate is 0. */
    private static long next(SplittableRandom random, double perSecond, long now) {
        if (perSecond <= 0) {
            return Long.MAX_VALUE;
        }
        return now + 1 + (long) (-Math.log(1 - random.nextDouble()) / perSecond * 1_000_000);
    }
}
