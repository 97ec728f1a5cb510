package io.walstream.replaysim.sweep;

import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.input.ArchiveReplayInput;
import io.walstream.replaysim.input.QueryTrace;
import io.walstream.replaysim.input.SyntheticWorkload;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a {@link DelaySweep} replays: WAL records with their receipt times, the queries that run on the standby
 * meanwhile, the WAL segment size, and a line that says what they are.
 */
public record SweepInput(List<ReplayRecord> records, List<Receipt> receipts, List<StandbyQuery> queries,
        long segmentBytes, String description) {

    /**
     * Where the standby's queries come from: the trace file {@code trace} when it is not null (start times from the
     * start of the WAL; see {@link QueryTrace}), else Poisson arrivals of {@code perSecond} with exponentially
     * distributed durations of mean {@code meanSeconds}, deterministic for {@code seed}.
     *
     * @param dbOid     the database they run in (a trace's default); null for the input's own
     * @param relations what Poisson queries on an archive read (for lock conflicts)
     */
    public record Queries(Path trace, Integer dbOid, List<Integer> relations, double perSecond, double meanSeconds,
            long seed) {

        public Queries {
            relations = List.copyOf(relations);
        }

        long meanMicros() {
            return (long) (meanSeconds * 1_000_000);
        }
    }

    public SweepInput {
        records = List.copyOf(records);
        receipts = List.copyOf(receipts);
        queries = List.copyOf(queries);
    }

    /**
     * The WAL and receipt times of the walstream archive in {@code dir}; the queries in the database most cleanup
     * records are in unless {@code queries} names one.
     *
     * @throws QueryTrace.MalformedTraceException when the trace holds something other than queries
     * @throws IllegalArgumentException           when {@code dir} cannot be simulated from (see
     *                                            {@link ArchiveReplayInput#read})
     */
    public static SweepInput archive(Path dir, Queries queries) throws IOException {
        ArchiveReplayInput a = ArchiveReplayInput.read(dir);
        long from = a.receipts().get(0).receivedMicros();
        long span = a.receipts().get(a.receipts().size() - 1).receivedMicros() - from;
        int db = queries.dbOid() != null ? queries.dbOid() : a.busiestDatabase();
        List<StandbyQuery> q = queries.trace() != null ? QueryTrace.read(queries.trace(), from, db)
                : SyntheticWorkload.poissonQueries(queries.seed(), from, span, queries.perSecond(), queries.meanMicros(),
                        db, queries.relations());
        return new SweepInput(a.records(), a.receipts(), q, a.segmentBytes(), String.format(Locale.ROOT,
                "archive %s: %d WAL records (%.1f MB) over %.1f s, %d standby queries in database %d, seed %d", dir,
                a.walRecords(), a.walBytes() / 1e6, span / 1e6, q.size(), db, queries.seed()));
    }

    /**
     * A primary described by rates ({@link SyntheticWorkload}) over {@code seconds}; the workload's own queries (on its
     * table, from {@code queries}' rate, mean and seed) unless {@code queries} names a trace. 16 MB segments.
     *
     * @throws QueryTrace.MalformedTraceException when the trace holds something other than queries
     */
    public static SweepInput synthetic(int seconds, double commitsPerSecond, double cleanupsPerSecond,
            double locksPerSecond, Queries queries) throws IOException {
        SyntheticWorkload w = SyntheticWorkload.generate(new SyntheticWorkload.Parameters(seconds * 1_000_000L,
                commitsPerSecond, cleanupsPerSecond, locksPerSecond, 200_000, queries.perSecond(), queries.meanMicros(),
                queries.seed()));
        List<StandbyQuery> q = queries.trace() != null ? QueryTrace.read(queries.trace(), 0,
                queries.dbOid() != null ? queries.dbOid() : SyntheticWorkload.DATABASE) : w.queries;
        return new SweepInput(w.records, w.receipts, q, 16L << 20, String.format(Locale.ROOT,
                "synthetic: %d s, %d WAL records, %d standby queries, seed %d", seconds, w.records.size(), q.size(),
                queries.seed()));
    }
}
