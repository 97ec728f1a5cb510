package io.walstream.replaysim;

import java.util.List;
import java.util.Map;

/**
 * What one simulated run predicts.
 *
 * @param cancellations counted cancellations per conflict type ({@code pg_stat_database_conflicts}); DATABASE is
 *                      listed for completeness although PostgreSQL does not count it
 * @param errors        queries cancelled with ERROR (SQLSTATE 40001)
 * @param fatals        sessions terminated with FATAL (40001, or 57P04 for a dropped database)
 * @param completed     queries that ran to their end
 * @param queries       each query's outcome, in start order
 * @param events        each conflict the startup process met, in replay order
 * @param lag           replay lag at each replayed commit: its apply time minus when its WAL was received
 */
public record SimulationResult(Map<ConflictType, Integer> cancellations, int errors, int fatals, int completed,
        List<QueryOutcome> queries, List<ConflictEvent> events, List<LagSample> lag) {

    /**
     * How a query ended. {@code cancelledBy} is null when it completed; {@code snapshotXmin} is the xmin its snapshot
     * had (0 when the standby did not know the running transactions yet).
     */
    public record QueryOutcome(int id, long startMicros, long endMicros, ConflictType cancelledBy, boolean fatal,
            int snapshotXmin) {
    }

    /** The startup process met a conflict at {@code lsn}: it waited {@code waitMicros} and cancelled {@code victims}. */
    public record ConflictEvent(long lsn, ConflictType type, long atMicros, long waitMicros, List<Integer> victims) {
    }

    /** At {@code atMicros} the commit ending at {@code endLsn} was replayed {@code lagMicros} after it was received. */
    public record LagSample(long endLsn, long atMicros, long lagMicros) {
    }

    /** The {@code p}-th percentile (0–100) of the lag samples in microseconds, nearest rank; 0 when there are none. */
    public long lagPercentile(double p) {
        return nearestRank(lag.stream().mapToLong(LagSample::lagMicros).sorted().toArray(), p);
    }

    /** The {@code p}-th percentile (0–100) of {@code sorted} (ascending), nearest rank; 0 when it is empty. */
    public static long nearestRank(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public int cancellations(ConflictType type) {
        return cancellations.getOrDefault(type, 0);
    }
}
