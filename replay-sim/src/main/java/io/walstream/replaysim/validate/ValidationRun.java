package io.walstream.replaysim.validate;

import io.walstream.archiver.receive.ArchiveReceiver;
import io.walstream.archiver.receive.ReceiveOptions;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.StandbyOptions;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.SimulationResult;
import io.walstream.replaysim.StandbyClients;
import io.walstream.replaysim.Simulator;
import io.walstream.replaysim.StandbyQuery;
import io.walstream.replaysim.StandbySettings;
import io.walstream.replaysim.input.ArchiveReplayInput;
import io.walstream.replaysim.input.SyntheticWorkload;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code simulate --validate}: the same scenario on a real primary and hot standby and in the simulator. A write
 * load with HOT updates, VACUUM and a periodic {@code LOCK TABLE} runs on the primary; {@link StandbyReaders} run a
 * Poisson plan of queries on the standby; walstream archives the primary's WAL with receipt times meanwhile. Then
 * the simulator replays that archive with the same queries (their real start times, planned durations) and the
 * standby's settings, and both are compared per conflict type ({@code pg_stat_database_conflicts} deltas) and on
 * replay-lag percentiles (each commit's replay time, from {@link ReplayProbe}, minus its receipt).
 */
public final class ValidationRun implements AutoCloseable {

    /**
     * One standby setting to try: {@code label} names it in tables and files; a delay of -1 waits forever. With
     * {@code clients} &gt; 0 the readers are that many closed-loop clients that retry a cancelled query at once, and the
     * simulator runs the same clients; with 0 they run an open-loop Poisson plan, given to the simulator as a trace.
     */
    public record Scenario(String label, long delayMicros, boolean feedback, int clients) {

        public Scenario(String label, long delayMicros, boolean feedback) {
            this(label, delayMicros, feedback, 0);
        }
    }

    /** What the primary runs. */
    public enum Workload {
        /** Single-row HOT updates on a 20,000-row table, VACUUM every {@code vacuumEverySeconds}. */
        HOT_UPDATES,
        /**
         * pgbench's TPC-B script (scale 1) at {@code updatesPerSecond} transactions per second, autovacuum doing the
         * cleanup (naptime 1 s), {@code TRUNCATE pgbench_history} every {@code truncateEverySeconds}.
         */
        PGBENCH_TPCB
    }

    /** The primary's write load and the standby's query plan, per scenario. */
    public record Load(int seconds, double updatesPerSecond, double vacuumEverySeconds, double lockEverySeconds,
            double queriesPerSecond, double meanQuerySeconds, double lockedTableShare, long seed, Workload workload,
            double truncateEverySeconds) {

        /** Today's scenario: HOT updates, VACUUM and LOCK TABLE. */
        public Load(int seconds, double updatesPerSecond, double vacuumEverySeconds, double lockEverySeconds,
                double queriesPerSecond, double meanQuerySeconds, double lockedTableShare, long seed) {
            this(seconds, updatesPerSecond, vacuumEverySeconds, lockEverySeconds, queriesPerSecond, meanQuerySeconds,
                    lockedTableShare, seed, Workload.HOT_UPDATES, 0);
        }
    }

    /**
     * What the real standby did, and what the simulator predicted, for one scenario; with closed-loop readers also
     * {@code asTrace}, what the simulator predicts from their attempts as a trace of fixed start times (null otherwise).
     */
    record Comparison(Scenario scenario, int queries, Map<ConflictType, Integer> real, Map<ConflictType, Integer> readers,
            int realErrors, int realFatals, int realCompleted, SimulationResult predicted, long[] realLag,
            long[] predictedLag, int commits, List<LagPoint> lagSeries, int xminCompared, int xminEqual,
            List<StandbyReaders.Outcome> outcomes, int idleTerminated, SimulationResult asTrace,
            CatchUp.Comparison catchUp) {

        /** Counts within ±15 % or ±2 of the real standby, lag p50 and p99 within ±20 % or ±100 ms. */
        boolean withinTargets() {
            return countsWithinTargets() && lagWithinTargets();
        }

        /** Each conflict type's count within ±15 % or ±2 of the real standby's. */
        boolean countsWithinTargets() {
            for (ConflictType t : COUNTED) {
                if (!countWithin(predicted.cancellations(t), real.getOrDefault(t, 0))) {
                    return false;
                }
            }
            return true;
        }

        /** Lag p50 and p99 within ±20 % or ±100 ms of the real standby's. */
        boolean lagWithinTargets() {
            return lagWithin(predictedLag[0], realLag[0]) && lagWithin(predictedLag[1], realLag[1]);
        }

        static boolean countWithin(int predicted, int real) {
            return Math.abs(predicted - real) <= Math.max(2, 0.15 * real);
        }

        static boolean lagWithin(long predicted, long real) {
            return Math.abs(predicted - real) <= Math.max(100_000, 0.2 * real);
        }
    }

    /** One commit: when walstream received it, and its replay lag on the real standby and in the simulator. */
    record LagPoint(long receivedMicros, long realMicros, long simulatedMicros) {
    }

    static final List<ConflictType> COUNTED = List.of(ConflictType.SNAPSHOT, ConflictType.LOCK, ConflictType.TABLESPACE,
            ConflictType.BUFFERPIN, ConflictType.DEADLOCK);
    private static final String DATABASE = "validate";
    private static final long STATUS_INTERVAL_MICROS = 1_000_000;
    private static final int ACCOUNTS = 20_000;
    /** A gap in replay at least this long is a wait that replay then catches up from ({@link CatchUp}). */
    private static final long CATCH_UP_MIN_WAIT_MICROS = 500_000;

    private record Executed(Scenario scenario, long from, long to, List<StandbyReaders.Planned> plan,
            StandbyClients clients, List<StandbyQuery> attempts, List<StandbyReaders.Outcome> outcomes,
            Map<ConflictType, Integer> stats, int idleTerminated) {
    }

    private final PgCluster primary;
    private final PgCluster standby;
    private final Path archive;
    private final ArchiveReceiver receiver;
    private final CompletableFuture<ArchiveReceiver.Outcome> receiving;
    private final ReplayProbe probe;
    private final int dbOid;
    private final int accountsOid;
    private final int lockedOid;
    private final Workload workload;
    /** The tables the readers read, by pg_class OID: one all cleanup conflicts come from, one that is locked. */
    private final Map<Integer, String> tables = new java.util.HashMap<>();
    private final int readOid;
    private final int lockOid;
    private final List<Executed> executed = new ArrayList<>();
    private final Clock clock = Clock.systemUTC();

    private ValidationRun(PgCluster primary, PgCluster standby, Path archive, Workload workload) throws Exception {
        this.primary = primary;
        this.workload = workload;
        this.standby = standby;
        this.archive = archive;
        receiver = new ArchiveReceiver(archive,
                ReceiveOptions.of(ConnectionSettings.fromConninfo(primary.replicationConninfo("walstream")))
                .withSlot("walstream", true, true).withReceiptLog(true).withLoop(true, Duration.ofMillis(200))
                .withStatusInterval(Duration.ofSeconds(1)));
        receiving = CompletableFuture.supplyAsync(receiver::run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!receiver.progress().streaming()) {
            if (receiving.isDone() || System.nanoTime() > deadline) {
                throw new IllegalStateException("walstream did not start streaming from the primary: " + receiving);
            }
            Thread.sleep(20);
        }
        primary.execute("CHECKPOINT"); // a RUNNING_XACTS in the archive: the simulator's xid state starts there
        probe = new ReplayProbe(standby, 10);
        List<List<String>> oids;
        try (Connection c = connect(primary)) {
            oids = PgCluster.query(c, "SELECT (SELECT oid FROM pg_database WHERE datname = current_database()),"
                    + " 'accounts'::regclass::oid, 'locked'::regclass::oid");
        }
        dbOid = Integer.parseInt(oids.get(0).get(0));
        accountsOid = Integer.parseInt(oids.get(0).get(1));
        lockedOid = Integer.parseInt(oids.get(0).get(2));
        if (workload == Workload.PGBENCH_TPCB) {
            try (Connection c = connect(primary)) {
                oids = PgCluster.query(c, "SELECT 'pgbench_branches'::regclass::oid, 'pgbench_history'::regclass::oid");
            }
            readOid = Integer.parseInt(oids.get(0).get(0));
            lockOid = Integer.parseInt(oids.get(0).get(1));
            tables.put(readOid, "pgbench_branches");
            tables.put(lockOid, "pgbench_history");
        } else {
            readOid = accountsOid;
            lockOid = lockedOid;
            tables.put(readOid, "accounts");
            tables.put(lockOid, "locked");
        }
    }

    /**
     * Starts a primary ({@code pgVersion}, 0 for pgcluster's default) with the tables, a streaming hot standby of
     * it, and walstream receiving from it into {@code archive} with a receipt log.
     */
    static ValidationRun start(int pgVersion, Path archive) throws Exception {
        return start(pgVersion, archive, Workload.HOT_UPDATES);
    }

    /** As {@link #start(int, Path)}, with the tables of {@code workload} (pgbench's at scale 1 for TPC-B). */
    static ValidationRun start(int pgVersion, Path archive, Workload workload) throws Exception {
        PgCluster.Builder b = PgCluster.builder().name("validate_primary")
                .setting("autovacuum_naptime", workload == Workload.PGBENCH_TPCB ? "1s" : "60s")
                .setting("wal_receiver_status_interval", "1s")
                .setting("log_recovery_conflict_waits", "on")
                .setting("log_timezone", "UTC")
                .setting("max_parallel_workers_per_gather", "0")
                .setting("max_connections", "200");
        if (pgVersion > 0) {
            b.version(pgVersion);
        }
        PgCluster primary = b.start();
        PgCluster standby = null;
        try {
            primary.execute("CREATE DATABASE " + DATABASE);
            try (Connection c = connect(primary); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL, filler text)");
                s.execute("INSERT INTO accounts SELECT g, 0, repeat('x', 80) FROM generate_series(1, " + ACCOUNTS + ") g");
                s.execute("CREATE TABLE locked (id int)");
                s.execute("INSERT INTO locked VALUES (1)");
                if (workload == Workload.PGBENCH_TPCB) {
                    createPgbenchTables(s);
                }
                s.execute("VACUUM ANALYZE");
            }
            standby = primary.createStandby(StandbyOptions.streaming("validate_standby"));
            return new ValidationRun(primary, standby, archive, workload);
        } catch (Exception | Error e) {
            if (standby != null) {
                standby.close();
            }
            primary.close();
            throw e;
        }
    }

    /** pgbench -i -s 1's tables: 1 branch, 10 tellers, 100,000 accounts, an empty history, fillfactor 100. */
    private static void createPgbenchTables(Statement s) throws SQLException {
        s.execute("CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88))");
        s.execute("CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84))");
        s.execute("CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))");
        s.execute("CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))");
        s.execute("INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)");
        s.execute("INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT g, 1, 0 FROM generate_series(1, 10) g");
        s.execute("INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT g, 1, 0, '' FROM generate_series(1,"
                + " 100000) g");
    }

    /** The standby's server log so far (its recovery-conflict wait and cancel lines, with {@code log_recovery_conflict_waits}). */
    String standbyLog() {
        return standby.readLog();
    }

    String describe() {
        return "PostgreSQL " + primary.serverVersionNum() + " primary :" + primary.port() + ", hot standby :"
                + standby.port() + ", walstream archive " + archive;
    }

    /** Runs one scenario on the real pair; the simulator runs later, over the whole archive ({@link #compare}). */
    void runScenario(Scenario scenario, Load load, int index) throws Exception {
        standby.reload(Map.of("max_standby_streaming_delay", scenario.delayMicros() < 0 ? "-1"
                        : Long.toString(scenario.delayMicros() / 1000),
                "hot_standby_feedback", scenario.feedback() ? "on" : "off"));
        Map<ConflictType, Integer> before = conflictStats();
        StandbyReaders readers = new StandbyReaders(standby, DATABASE);
        readers.warmUp(scenario.clients() > 0 ? scenario.clients()
                : (int) Math.ceil(load.queriesPerSecond() * load.meanQuerySeconds()) + 2);
        long from = PgEpoch.now(clock);
        StandbyClients clients = scenario.clients() > 0 ? clients(load, scenario.clients(), index, from + 500_000) : null;
        List<StandbyReaders.Planned> plan = clients == null ? plan(load, index, from + 500_000) : List.of();
        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> write(load, index, writing));
        List<StandbyReaders.Outcome> outcomes;
        try {
            outcomes = clients == null ? readers.run(plan) : readers.runClosedLoop(clients, tables);
        } finally {
            writing.set(false);
        }
        writes.get(60, TimeUnit.SECONDS);
        long to = PgEpoch.now(clock);
        awaitReplayOf(Lsn.parse(primary.currentWalLsn()).value(), Duration.ofMinutes(5));
        executed.add(new Executed(scenario, from, to, plan, clients, readers.closedLoopAttempts(), outcomes,
                delta(before, awaitStableStats()),
                readers.terminatedWhileIdle()));
    }

    /**
     * Measures what applying WAL costs the standby ({@link ReplayCalibration}): bursts of one kind of WAL, then
     * {@code load}'s workload at full speed for 3 s, each replayed on a paused-then-resumed standby.
     */
    ReplayCalibration.Result calibrate(Load load) throws Exception {
        Load flatOut = new Load(load.seconds(), 1e6, load.vacuumEverySeconds(), 0, 0, load.meanQuerySeconds(), 0,
                load.seed(), load.workload(), 0);
        return new ReplayCalibration(primary, standby, () -> connect(primary)).run(c -> {
            AtomicBoolean writing = new AtomicBoolean(true);
            CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> write(flatOut, -1, writing));
            Thread.sleep(3_000);
            writing.set(false);
            writes.get(60, TimeUnit.SECONDS);
        });
    }

    /**
     * When the standby's redo started (its log's "redo starts at" line), on the receipts' clock: its startup process's
     * progress timer ticks every log_startup_progress_interval from then.
     */
    long redoStartedMicros() {
        return StandbyLog.redoStarted(standby.readLog());
    }

    /**
     * The simulator's settings for {@code scenario}: {@code model}'s (costs, deadlock_timeout, the progress timer's
     * interval) with the scenario's delay and feedback, the validation's status interval, the progress timer ticking
     * from {@code redoStartedMicros}, and feedback protecting from {@code feedbackSinceSeconds} after the scenario's
     * start when given (when the standby's setting changed).
     */
    static StandbySettings settingsFor(Scenario scenario, StandbySettings model, Double feedbackSinceSeconds,
            long scenarioStartMicros, long redoStartedMicros) {
        StandbySettings s = model.withDelay(scenario.delayMicros()).withFeedback(scenario.feedback())
                .withStatusInterval(STATUS_INTERVAL_MICROS).withProgressTimer(model.progressTimerMicros(),
                        redoStartedMicros);
        return feedbackSinceSeconds == null ? s
                : s.withFeedbackSince(scenarioStartMicros + Math.round(feedbackSinceSeconds * 1e6));
    }

    /** Stops walstream and runs the simulator over its archive for every scenario run, with {@link #settingsFor}. */
    List<Comparison> compare(StandbySettings model, Double feedbackSinceSeconds) throws Exception {
        long end = Lsn.parse(primary.switchWal()).value();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (receiver.progress().durableLsn() < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("walstream did not archive up to " + Lsn.of(end) + " in 60 s");
            }
            Thread.sleep(20);
        }
        receiver.stop();
        receiving.get(30, TimeUnit.SECONDS);
        ArchiveReplayInput input = ArchiveReplayInput.read(archive);
        List<Comparison> comparisons = new ArrayList<>();
        for (Executed e : executed) {
            Map<Integer, StandbyReaders.Outcome> byId = new java.util.HashMap<>();
            e.outcomes().forEach(o -> byId.put(o.id(), o));
            List<StandbyQuery> queries = e.plan().stream().map(p -> {
                StandbyQuery q = p.query();
                long started = byId.get(q.id()).startMicros(); // when it really began: the snapshot was taken then
                return new StandbyQuery(q.id(), started, q.durationMicros(), q.dbOid(), q.relations(), false);
            }).toList();
            StandbySettings settings = settingsFor(e.scenario(), model, feedbackSinceSeconds, e.from(),
                    redoStartedMicros());
            SimulationResult predicted = Simulator.run(input.records(), input.receipts(), queries, e.clients(),
                    settings, input.segmentBytes());
            // what a trace-driven model predicts for closed-loop readers: their attempts at their real start times
            SimulationResult asTrace = e.clients() == null ? null : Simulator.run(input.records(), input.receipts(),
                    e.attempts(), settings, input.segmentBytes());
            List<Long> real = new ArrayList<>();
            List<Long> simulated = new ArrayList<>();
            List<LagPoint> series = new ArrayList<>();
            List<long[]> replays = new ArrayList<>(); // received, real replay, simulated replay
            for (SimulationResult.LagSample s : predicted.lag()) {
                long received = s.atMicros() - s.lagMicros();
                if (received < e.from() || received > e.to()) {
                    continue;
                }
                long replayed = probe.replayedAt(s.endLsn());
                if (replayed >= 0) {
                    real.add(Math.max(0, replayed - received));
                    simulated.add(s.lagMicros());
                    series.add(new LagPoint(received, real.get(real.size() - 1), s.lagMicros()));
                    replays.add(new long[] {received, replayed, s.atMicros()});
                }
            }
            int xminCompared = 0;
            int xminEqual = 0;
            for (SimulationResult.QueryOutcome q : predicted.queries()) {
                StandbyReaders.Outcome o = e.clients() == null ? byId.get(q.id()) : null; // clients: no common ids
                if (o != null && o.snapshotXmin() >= 0 && q.snapshotXmin() != 0) {
                    xminCompared++;
                    if ((int) o.snapshotXmin() == q.snapshotXmin()) {
                        xminEqual++;
                    }
                }
            }
            Map<ConflictType, Integer> readers = new EnumMap<>(ConflictType.class);
            int errors = 0;
            int fatals = 0;
            int completed = 0;
            for (StandbyReaders.Outcome o : e.outcomes()) {
                if (o.cancelledBy() == null && o.sqlState() == null) {
                    completed++;
                    continue;
                }
                if (o.cancelledBy() != null) {
                    readers.merge(o.cancelledBy(), 1, Integer::sum);
                }
                if (o.fatal()) {
                    fatals++;
                } else {
                    errors++;
                }
            }
            comparisons.add(new Comparison(e.scenario(), e.outcomes().size(), e.stats(), readers, errors, fatals, completed,
                    predicted, percentiles(real), percentiles(simulated), real.size(), series,
                    xminCompared, xminEqual, e.outcomes(), e.idleTerminated(), asTrace, catchUp(replays)));
        }
        return comparisons;
    }

    /** Real and simulated catch-up after the waits of a commit series ({@code received, real, simulated} per commit). */
    private static CatchUp.Comparison catchUp(List<long[]> replays) {
        long[] received = replays.stream().mapToLong(r -> r[0]).toArray();
        long[] real = replays.stream().mapToLong(r -> r[1]).toArray();
        long[] simulated = replays.stream().mapToLong(r -> r[2]).toArray();
        return CatchUp.compare(CatchUp.episodes(received, real, CATCH_UP_MIN_WAIT_MICROS),
                CatchUp.episodes(received, simulated, CATCH_UP_MIN_WAIT_MICROS));
    }

    /** p50, p99 and max of {@code values}, nearest rank (as {@link SimulationResult#lagPercentile}). */
    static long[] percentiles(List<Long> values) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return new long[] {SimulationResult.nearestRank(sorted, 50), SimulationResult.nearestRank(sorted, 99),
            SimulationResult.nearestRank(sorted, 100)};
    }

    /**
     * Closed-loop clients from {@code from} for the load's seconds, retrying at once: the share of the load's queries on
     * the locked table, the rest on the table cleanup conflicts come from; durations exponential of the load's mean.
     */
    private StandbyClients clients(Load load, int count, int index, long from) {
        long mean = (long) (load.meanQuerySeconds() * 1_000_000);
        double share = load.lockedTableShare();
        List<StandbyClients.QueryKind> kinds = new ArrayList<>();
        if (share < 1) {
            kinds.add(new StandbyClients.QueryKind(1 - share, dbOid, List.of(readOid), false, List.of()));
        }
        if (share > 0) {
            kinds.add(new StandbyClients.QueryKind(share, dbOid, List.of(lockOid), false, List.of()));
        }
        return new StandbyClients(count, from, from + load.seconds() * 1_000_000L,
                new StandbyClients.QueryMix(mean, true, kinds), StandbyClients.RetryPolicy.atOnce(),
                load.seed() * 43 + index);
    }

    private List<StandbyReaders.Planned> plan(Load load, int index, long from) {
        long span = load.seconds() * 1_000_000L;
        long mean = (long) (load.meanQuerySeconds() * 1_000_000);
        double share = load.lockedTableShare();
        List<StandbyReaders.Planned> plan = new ArrayList<>();
        for (StandbyQuery q : SyntheticWorkload.poissonQueries(load.seed() * 31 + index, from, span,
                load.queriesPerSecond() * (1 - share), mean, dbOid, List.of(readOid))) {
            plan.add(new StandbyReaders.Planned(q, tables.get(readOid)));
        }
        for (StandbyQuery q : SyntheticWorkload.poissonQueries(load.seed() * 37 + index, from, span,
                load.queriesPerSecond() * share, mean, dbOid, List.of(lockOid))) {
            plan.add(new StandbyReaders.Planned(new StandbyQuery(q.id() + 1_000_000, q.startMicros(), q.durationMicros(),
                    q.dbOid(), q.relations(), false), tables.get(lockOid)));
        }
        return plan;
    }

    private void write(Load load, int index, AtomicBoolean writing) {
        if (workload == Workload.PGBENCH_TPCB) {
            writeTpcb(load, index, writing);
        } else {
            writeHotUpdates(load, index, writing);
        }
    }

    /**
     * pgbench's built-in TPC-B script (tpcb-like) at a steady rate, scale 1; autovacuum cleans up; TRUNCATE of the history
     * and LOCK TABLE at their intervals, explicit VACUUM only when asked for.
     */
    private void writeTpcb(Load load, int index, AtomicBoolean writing) {
        SplittableRandom random = new SplittableRandom(load.seed() * 41 + index);
        long start = System.nanoTime();
        long nextVacuum = start + (long) (load.vacuumEverySeconds() * 1e9);
        long nextLock = start + (long) (load.lockEverySeconds() * 1e9);
        long nextTruncate = start + (long) (load.truncateEverySeconds() * 1e9);
        long period = (long) (1e9 / load.updatesPerSecond());
        try (Connection c = connect(primary); Connection maintenance = connect(primary);
                Statement s = maintenance.createStatement();
                PreparedStatement account = c.prepareStatement(
                        "UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?");
                PreparedStatement balance = c.prepareStatement("SELECT abalance FROM pgbench_accounts WHERE aid = ?");
                PreparedStatement teller = c.prepareStatement(
                        "UPDATE pgbench_tellers SET tbalance = tbalance + ? WHERE tid = ?");
                PreparedStatement branch = c.prepareStatement(
                        "UPDATE pgbench_branches SET bbalance = bbalance + ? WHERE bid = ?");
                PreparedStatement history = c.prepareStatement("INSERT INTO pgbench_history (tid, bid, aid, delta,"
                        + " mtime) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)")) {
            c.setAutoCommit(false);
            for (long n = 0; writing.get(); n++) {
                long wait = start + n * period - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int aid = 1 + random.nextInt(100_000);
                int tid = 1 + random.nextInt(10);
                int delta = random.nextInt(-5000, 5001);
                account.setInt(1, delta);
                account.setInt(2, aid);
                account.executeUpdate();
                balance.setInt(1, aid);
                balance.executeQuery().close();
                teller.setInt(1, delta);
                teller.setInt(2, tid);
                teller.executeUpdate();
                branch.setInt(1, delta);
                branch.setInt(2, 1);
                branch.executeUpdate();
                history.setInt(1, tid);
                history.setInt(2, 1);
                history.setInt(3, aid);
                history.setInt(4, delta);
                history.executeUpdate();
                c.commit();
                long now = System.nanoTime();
                if (load.vacuumEverySeconds() > 0 && now >= nextVacuum) {
                    s.execute("VACUUM");
                    nextVacuum = now + (long) (load.vacuumEverySeconds() * 1e9);
                }
                if (load.lockEverySeconds() > 0 && now >= nextLock) {
                    s.execute("BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE; COMMIT");
                    nextLock = now + (long) (load.lockEverySeconds() * 1e9);
                }
                if (load.truncateEverySeconds() > 0 && now >= nextTruncate) {
                    s.execute("TRUNCATE pgbench_history");
                    nextTruncate = now + (long) (load.truncateEverySeconds() * 1e9);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the primary's TPC-B load failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** HOT updates at a steady rate (they prune pages on the way), VACUUM and LOCK TABLE at their intervals. */
    private void writeHotUpdates(Load load, int index, AtomicBoolean writing) {
        SplittableRandom random = new SplittableRandom(load.seed() * 41 + index);
        long start = System.nanoTime();
        long nextVacuum = start + (long) (load.vacuumEverySeconds() * 1e9);
        long nextLock = start + (long) (load.lockEverySeconds() * 1e9);
        long period = (long) (1e9 / load.updatesPerSecond());
        try (Connection c = connect(primary);
                PreparedStatement update = c.prepareStatement("UPDATE accounts SET balance = balance + 1 WHERE id = ?");
                Statement s = c.createStatement()) {
            for (long n = 0; writing.get(); n++) {
                long due = start + n * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                update.setInt(1, 1 + random.nextInt(ACCOUNTS));
                update.executeUpdate();
                long now = System.nanoTime();
                if (load.vacuumEverySeconds() > 0 && now >= nextVacuum) {
                    s.execute("VACUUM accounts");
                    nextVacuum = now + (long) (load.vacuumEverySeconds() * 1e9);
                }
                if (load.lockEverySeconds() > 0 && now >= nextLock) {
                    s.execute("BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE; COMMIT"); // taken and released at once
                    nextLock = now + (long) (load.lockEverySeconds() * 1e9);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the primary's write load failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReplayOf(long lsn, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (probe.replayed() < lsn) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the standby did not replay up to " + Lsn.of(lsn) + " in " + timeout);
            }
            Thread.sleep(20);
        }
    }

    /**
     * The standby's {@code pg_stat_database_conflicts} for our database once it stops moving: a cancelled
     * backend reports its conflict with its other pending statistics, up to a second or so later.
     */
    private Map<ConflictType, Integer> awaitStableStats() throws Exception {
        Map<ConflictType, Integer> last = conflictStats();
        for (int stable = 0; stable < 3; ) {
            Thread.sleep(700);
            Map<ConflictType, Integer> now = conflictStats();
            stable = now.equals(last) ? stable + 1 : 0;
            last = now;
        }
        return last;
    }

    private Map<ConflictType, Integer> conflictStats() throws SQLException {
        try (Connection c = standby.connect()) {
            c.createStatement().execute("SELECT pg_stat_clear_snapshot()");
            List<String> row = PgCluster.query(c, "SELECT confl_snapshot, confl_lock, confl_tablespace, confl_bufferpin,"
                    + " confl_deadlock FROM pg_stat_database_conflicts WHERE datname = ?", DATABASE).get(0);
            Map<ConflictType, Integer> m = new EnumMap<>(ConflictType.class);
            for (int i = 0; i < COUNTED.size(); i++) {
                m.put(COUNTED.get(i), Integer.parseInt(row.get(i)));
            }
            return m;
        }
    }

    private static Map<ConflictType, Integer> delta(Map<ConflictType, Integer> before, Map<ConflictType, Integer> after) {
        Map<ConflictType, Integer> d = new EnumMap<>(ConflictType.class);
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0)));
        return d;
    }

    private static Connection connect(PgCluster pg) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("dbname", DATABASE);
        return pg.connect(p);
    }

    @Override
    public void close() throws Exception {
        try (primary; standby; probe; receiver) {
            receiver.stop();
        }
    }
}
