package io.walstream.replaysim.sweep;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.protocol.wal.conflict.ConflictRecord;
import io.walstream.replaysim.Receipt;
import io.walstream.replaysim.ReplayRecord;
import io.walstream.replaysim.StandbyClients;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.input.ArchiveReplayInput;
import io.walstream.replaysim.input.QueryTrace;
import io.walstream.replaysim.input.RelationNames;
import io.walstream.replaysim.input.SyntheticWorkload;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a {@link DelaySweep} replays: WAL records with their receipt times, the queries that run on the standby
 * meanwhile (fixed start times, closed-loop clients, or both), the WAL segment size, the time origin (t = 0 of a
 * trace, of {@code lag.csv} and {@code events.csv}), a line that says what they are, and warnings about inputs that
 * look misread.
 */
public record SweepInput(List<ReplayRecord> records, List<Receipt> receipts, List<StandbyQuery> queries,
        StandbyClients clients, long segmentBytes, long originMicros, String description, List<String> warnings) {

    /**
     * Where the standby's queries come from: the trace file {@code trace} when it is not null (start times from the time
     * origin; see {@link QueryTrace}), else Poisson arrivals of {@code perSecond} with exponentially distributed
     * durations of mean {@code meanSeconds}, deterministic for {@code seed}, unless {@code clients} run instead.
     *
     * @param dbOid     the database they run in (a trace's default); null for the input's own
     * @param relations what Poisson queries and clients read (for lock conflicts), written as {@code names} says
     * @param names     how the trace, the mix and {@code relations} write relations
     * @param clients   closed-loop clients; null for none
     */
    public record Queries(Path trace, Integer dbOid, List<String> relations, RelationNames names, double perSecond,
            double meanSeconds, long seed, Clients clients) {

        public Queries {
            relations = List.copyOf(relations);
        }

        /** Poisson queries or a trace, relations by OID, no clients. */
        public Queries(Path trace, Integer dbOid, List<Integer> relationOids, double perSecond, double meanSeconds,
                long seed) {
            this(trace, dbOid, relationOids.stream().map(Integer::toUnsignedString).toList(), RelationNames.OIDS,
                    perSecond, meanSeconds, seed, null);
        }

        long meanMicros() {
            return (long) (meanSeconds * 1_000_000);
        }
    }

    /**
     * Closed-loop clients: {@code count} of them, running the mix in {@code mix} (null: one kind, the
     * {@link Queries#relations()} outside a transaction block), durations of {@link Queries#meanSeconds()},
     * exponentially distributed or fixed, and after each query doing what {@code retry} says.
     */
    public record Clients(int count, Path mix, boolean exponential, StandbyClients.RetryPolicy retry) {
    }

    /**
     * Which part of an archive to replay, and its time origin. Each is null for the default, else an LSN
     * ({@code 0/3000000}), an ISO-8601 time ({@code 2026-12-05T02:00:00Z}) or seconds after the first receipt
     * ({@code 90} or {@code 90s}).
     *
     * @param from   the first record replayed (default: the first the receipt log covers)
     * @param to     the last (default: the last covered)
     * @param origin t = 0 (default: the first receipt of the window)
     */
    public record Window(String from, String to, String origin) {

        public static final Window ALL = new Window(null, null, null);
    }

    public SweepInput {
        records = List.copyOf(records);
        receipts = List.copyOf(receipts);
        queries = List.copyOf(queries);
        warnings = List.copyOf(warnings);
    }

    /** The whole archive in {@code dir}: see {@link #archive(Path, Queries, Window)}. */
    public static SweepInput archive(Path dir, Queries queries) throws IOException {
        return archive(dir, queries, Window.ALL);
    }

    /**
     * The WAL and receipt times of the walstream archive in {@code dir}, cut to {@code window}; the queries in the
     * database most cleanup records are in unless {@code queries} names one.
     *
     * @throws QueryTrace.MalformedTraceException when the trace or the mix holds something other than queries
     * @throws IllegalArgumentException           when {@code dir} cannot be simulated from (see
     *                                            {@link ArchiveReplayInput#read}), or the window is not one
     */
    public static SweepInput archive(Path dir, Queries queries, Window window) throws IOException {
        ArchiveReplayInput a = ArchiveReplayInput.read(dir);
        List<Receipt> all = a.receipts();
        if (window.from() != null || window.to() != null) {
            long fromLsn = window.from() == null ? 0 : lsnOf("--from", window.from(), all, true);
            long toLsn = window.to() == null ? Long.MAX_VALUE : lsnOf("--to", window.to(), all, false);
            a = a.cut(fromLsn, toLsn);
        }
        List<Receipt> receipts = a.receipts();
        long first = receipts.get(0).receivedMicros();
        long last = receipts.get(receipts.size() - 1).receivedMicros();
        long origin = window.origin() == null ? first : timeOf("--origin", window.origin(), receipts);
        List<String> warnings = new ArrayList<>();
        long burst = burstAtStart(receipts);
        if (window.from() == null && burst > a.segmentBytes()) {
            warnings.add(String.format(Locale.ROOT, "%.1f MB of WAL arrived within the first second: WAL the slot kept"
                    + " from before (receive --create-slot starts at the last checkpoint) that sets the time origin and"
                    + " enters the lag percentiles; cut it with --from", burst / 1e6));
        }
        int db = queries.dbOid() != null ? queries.dbOid() : a.busiestDatabase();
        List<StandbyQuery> q = queries(queries, origin, last - origin, db, null);
        StandbyClients clients = clients(queries, origin, last, db);
        warnings.addAll(relationsNotInWal(a.records(), q, clients, queries.names()));
        String description = String.format(Locale.ROOT,
                "archive %s: %d WAL records (%.1f MB, %s to %s) over %.1f s, %s in database %d, seed %d%n"
                        + "time origin %s (%s); relations by %s",
                dir, a.walRecords(), a.walBytes() / 1e6, Lsn.of(a.records().get(0).lsn()),
                Lsn.of(a.records().get(a.records().size() - 1).endLsn()), (last - first) / 1e6,
                describeQueries(q, clients), db, queries.seed(), PgEpoch.toInstant(origin),
                window.origin() == null ? "the first receipt, of " + Lsn.of(receipts.get(0).dataStart())
                        : "--origin " + window.origin(), queries.names().by());
        return new SweepInput(a.records(), receipts, q, clients, a.segmentBytes(), origin, description, warnings);
    }

    /**
     * A primary described by rates ({@link SyntheticWorkload}) over {@code seconds}; the workload's own queries (on its
     * table, from {@code queries}' rate, mean and seed) unless {@code queries} names relations, a trace or clients. 16 MB
     * segments; the time origin is the workload's start.
     *
     * @throws QueryTrace.MalformedTraceException when the trace holds something other than queries
     */
    public static SweepInput synthetic(int seconds, double commitsPerSecond, double cleanupsPerSecond,
            double locksPerSecond, Queries queries) throws IOException {
        SyntheticWorkload w = SyntheticWorkload.generate(new SyntheticWorkload.Parameters(seconds * 1_000_000L,
                commitsPerSecond, cleanupsPerSecond, locksPerSecond, 200_000, queries.perSecond(), queries.meanMicros(),
                queries.seed()));
        int db = queries.dbOid() != null ? queries.dbOid() : SyntheticWorkload.DATABASE;
        List<StandbyQuery> q = queries(queries, 0, seconds * 1_000_000L, db, w.queries);
        StandbyClients clients = clients(queries, 0, seconds * 1_000_000L, db);
        return new SweepInput(w.records, w.receipts, q, clients, 16L << 20, 0, String.format(Locale.ROOT,
                "synthetic: %d s, %d WAL records, %s, seed %d; relations by %s", seconds, w.records.size(),
                describeQueries(q, clients), queries.seed(), queries.names().by()), relationsNotInWal(w.records, q, clients, queries.names()));
    }

    private static List<StandbyQuery> queries(Queries queries, long origin, long span, int db,
            List<StandbyQuery> synthetic) throws IOException {
        if (queries.trace() != null) {
            return QueryTrace.read(queries.trace(), origin, db, queries.names());
        }
        if (queries.clients() != null) {
            return List.of();
        }
        if (synthetic != null && queries.relations().isEmpty()) {
            return synthetic; // the workload's own, on its table
        }
        return SyntheticWorkload.poissonQueries(queries.seed(), origin, span, queries.perSecond(), queries.meanMicros(),
                db, relationOids(queries));
    }

    private static StandbyClients clients(Queries queries, long from, long until, int db) throws IOException {
        Clients c = queries.clients();
        if (c == null) {
            return null;
        }
        List<StandbyClients.QueryKind> kinds = c.mix() != null ? QueryTrace.readMix(c.mix(), db, queries.names())
                : List.of(new StandbyClients.QueryKind(1, db, relationOids(queries), false, List.of()));
        return new StandbyClients(c.count(), from, Math.max(from, until),
                new StandbyClients.QueryMix(queries.meanMicros(), c.exponential(), kinds), c.retry(), queries.seed());
    }

    private static List<Integer> relationOids(Queries queries) {
        return queries.relations().stream().map(queries.names()::oid).toList();
    }

    private static String describeQueries(List<StandbyQuery> q, StandbyClients clients) {
        String fixed = q.size() + " standby queries";
        if (clients == null) {
            return fixed;
        }
        StandbyClients.RetryPolicy r = clients.retry();
        String retry = !r.retry() ? "no retry" : r.backoffFactor() > 1
                ? String.format(Locale.ROOT, "retry after %.0f ms doubling to %.0f ms", r.retryMicros() / 1e3,
                        r.maxRetryMicros() / 1e3)
                : String.format(Locale.ROOT, "retry after %.0f ms", r.retryMicros() / 1e3);
        return String.format(Locale.ROOT, "%s%d closed-loop clients (%s, think %.0f ms)",
                q.isEmpty() ? "" : fixed + " and ", clients.count(), retry, r.thinkMicros() / 1e3);
    }

    /** Bytes received within one second of the first receipt. */
    private static long burstAtStart(List<Receipt> receipts) {
        long first = receipts.get(0).receivedMicros();
        long end = receipts.get(0).dataStart();
        for (Receipt r : receipts) {
            if (r.receivedMicros() > first + 1_000_000) {
                break;
            }
            end = r.dataEnd();
        }
        return end - receipts.get(0).dataStart();
    }

    /**
     * Relations the queries read (by pg_class OID) that no lock record names and whose relfilenode no cleanup record
     * names, and pinned pages of relfilenodes no cleanup record names: such a query can never conflict, usually
     * because a number was read as the other kind.
     */
    static List<String> relationsNotInWal(List<ReplayRecord> records, List<StandbyQuery> queries,
            StandbyClients clients, RelationNames names) {
        Set<Integer> lockedOids = new java.util.HashSet<>();
        Set<Integer> cleanedRelfilenodes = new java.util.HashSet<>();
        for (ReplayRecord r : records) {
            if (r.decoded() instanceof ConflictRecord.StandbyLocks l) {
                l.locks().forEach(k -> lockedOids.add((int) k.relation()));
            } else if (r.decoded() instanceof ConflictRecord.SnapshotConflict c) {
                cleanedRelfilenodes.add((int) c.relation().relation());
            }
        }
        Set<Integer> relations = new LinkedHashSet<>();
        Set<Integer> pinned = new LinkedHashSet<>();
        List<StandbyClients.QueryKind> kinds = new ArrayList<>();
        queries.forEach(q -> kinds.add(new StandbyClients.QueryKind(1, q.dbOid(), q.relations(), false,
                q.pinnedBlocks())));
        if (clients != null) {
            kinds.addAll(clients.mix().kinds());
        }
        for (StandbyClients.QueryKind k : kinds) {
            relations.addAll(k.relations());
            k.pinnedBlocks().forEach(b -> pinned.add(b.relNumber()));
        }
        List<String> warnings = new ArrayList<>();
        for (int oid : relations) {
            int relfilenode = relfilenodeOf(oid, names);
            if (!lockedOids.contains(oid) && !cleanedRelfilenodes.contains(relfilenode)) {
                warnings.add("relation " + names.describe(oid) + " of the queries never appears in the WAL (no lock on"
                        + " it, no cleanup in it): lock conflicts need its pg_class OID; if "
                        + Integer.toUnsignedString(oid) + " is a relfilenode or another database's, say --relations-by"
                        + " relfilenode with --catalog");
            }
        }
        for (int relfilenode : pinned) {
            if (!cleanedRelfilenodes.contains(relfilenode)) {
                warnings.add("pinned pages of relfilenode " + Integer.toUnsignedString(relfilenode) + " never meet a"
                        + " cleanup record in the WAL: cleanup records name relfilenodes, which change when a relation"
                        + " is rewritten (TRUNCATE, VACUUM FULL); --catalog maps OIDs and names to them");
            }
        }
        return warnings;
    }

    private static int relfilenodeOf(int oid, RelationNames names) {
        for (RelationNames.Entry e : names.catalog()) {
            if (e.oid() == oid) {
                return e.relfilenode();
            }
        }
        return oid;
    }

    /** An LSN, or the WAL received at a time: the first message received then or later ({@code from}), else the last by then. */
    static long lsnOf(String option, String bound, List<Receipt> receipts, boolean from) {
        if (bound.contains("/")) {
            try {
                return Lsn.parse(bound.strip()).value();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": not an LSN: " + bound, e);
            }
        }
        long t = timeOf(option, bound, receipts);
        if (from) {
            for (Receipt r : receipts) {
                if (r.receivedMicros() >= t) {
                    return r.dataStart();
                }
            }
            return Long.MAX_VALUE;
        }
        long end = 0;
        for (Receipt r : receipts) {
            if (r.receivedMicros() <= t) {
                end = Math.max(end, r.dataEnd());
            }
        }
        return end;
    }

    /**
     * A time on the receipts' clock: an ISO-8601 time, seconds after the first receipt, or an LSN (when the message
     * holding it was received).
     */
    static long timeOf(String option, String bound, List<Receipt> receipts) {
        String v = bound.strip();
        if (v.contains("/")) {
            long lsn;
            try {
                lsn = Lsn.parse(v).value();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": not an LSN: " + bound, e);
            }
            for (Receipt r : receipts) {
                if (r.dataEnd() > lsn) {
                    return r.receivedMicros();
                }
            }
            throw new IllegalArgumentException(option + ": " + bound + " is past the end of the receipt log");
        }
        if (v.contains("T")) {
            try {
                return PgEpoch.fromInstant(Instant.parse(v));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(option + ": not an ISO-8601 time (2026-12-05T02:00:00Z): " + bound, e);
            }
        }
        try {
            String seconds = v.endsWith("s") ? v.substring(0, v.length() - 1) : v;
            return receipts.get(0).receivedMicros() + Math.round(Double.parseDouble(seconds) * 1e6);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": an LSN, an ISO-8601 time or seconds after the first receipt,"
                    + " not " + bound, e);
        }
    }
}
