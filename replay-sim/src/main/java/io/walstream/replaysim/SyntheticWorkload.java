package io.walstream.replaysim;

import io.walstream.replaysim.ReplayRecord.LockedRelation;
import io.walstream.replaysim.ReplayRecord.Locks;
import io.walstream.replaysim.ReplayRecord.Plain;
import io.walstream.replaysim.ReplayRecord.RunningXacts;
import io.walstream.replaysim.ReplayRecord.SnapshotConflict;
import io.walstream.replaysim.ReplayRecord.XactEnd;
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
        record Step(long at, int order, ReplayRecord.Effect effect, int xid) {
        }
        PriorityQueue<Step> steps = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Integer.compare(a.order, b.order));
        int[] order = {0};
        for (long t = 0; t < p.durationMicros(); t += RUNNING_XACTS_INTERVAL) {
            steps.add(new Step(t, order[0]++, null, -1)); // RUNNING_XACTS, filled in below with the state at t
        }
        // transactions are numbered here in creation order; real xids are assigned in time order below
        int transactions = 0;
        for (long t = next(random, p.commitsPerSecond(), 0); t < p.durationMicros();
                t = next(random, p.commitsPerSecond(), t)) {
            int txn = transactions++;
            steps.add(new Step(t, order[0]++, Plain.INSTANCE, txn));
            steps.add(new Step(t + 1, order[0]++, new XactEnd(0, new int[0], true, t + 1), txn));
        }
        for (long t = next(random, p.locksPerSecond(), 0); t < p.durationMicros(); t = next(random, p.locksPerSecond(), t)) {
            int txn = transactions++;
            steps.add(new Step(t, order[0]++, new Locks(List.of()), txn));
            steps.add(new Step(t + p.lockHoldMicros(), order[0]++, new XactEnd(0, new int[0], true,
                    t + p.lockHoldMicros()), txn));
        }
        java.util.Map<Integer, Integer> xidOf = new java.util.HashMap<>();
        int nextXid = 1000;
        for (long t = next(random, p.cleanupsPerSecond(), 0); t < p.durationMicros();
                t = next(random, p.cleanupsPerSecond(), t)) {
            steps.add(new Step(t, order[0]++, new SnapshotConflict(0, DATABASE), 0)); // horizon from the state at t
        }

        List<ReplayRecord> records = new ArrayList<>();
        List<Receipt> receipts = new ArrayList<>();
        java.util.Set<Integer> running = new java.util.TreeSet<>();
        int latestCompleted = 999;
        long lsn = 0x1000028;
        while (!steps.isEmpty()) {
            Step s = steps.poll();
            ReplayRecord.Effect effect = s.effect();
            int xid = 0;
            if (effect instanceof XactEnd || effect instanceof Plain || effect instanceof Locks) {
                if (!xidOf.containsKey(s.xid())) {
                    xidOf.put(s.xid(), nextXid++);
                }
                xid = xidOf.get(s.xid());
                if (effect instanceof XactEnd x) {
                    effect = new XactEnd(xid, new int[0], true, x.xactTimeMicros());
                } else if (effect instanceof Locks) {
                    effect = new Locks(List.of(new LockedRelation(xid, DATABASE, TABLE)));
                }
            }
            if (effect == null) {
                int oldest = running.isEmpty() ? latestCompleted + 1 : running.iterator().next();
                effect = new RunningXacts(nextXid, oldest, latestCompleted,
                        running.stream().mapToInt(Integer::intValue).toArray());
            } else if (effect instanceof SnapshotConflict) {
                // vacuum removes what every finished transaction deleted: horizon = the newest completed xid,
                // capped below the oldest running one (the primary's own xmin)
                int horizon = running.isEmpty() ? latestCompleted : Math.min(latestCompleted, running.iterator().next() - 1);
                effect = new SnapshotConflict(horizon, DATABASE);
            } else if (effect instanceof XactEnd) {
                running.remove(xid);
                latestCompleted = Math.max(latestCompleted, xid);
            } else if (xid != 0) {
                running.add(xid);
            }
            records.add(new ReplayRecord(lsn, lsn + RECORD_BYTES, xid, effect));
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
