package io.walstream.replaysim.validate;

import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.PgEpoch;
import io.walstream.replaysim.ConflictType;
import io.walstream.replaysim.StandbyClients;
import io.walstream.replaysim.StandbyQuery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The reader harness of {@code simulate --validate}: runs planned read-only queries on a real hot standby, each at
 * its planned start on a connection of its own (open loop: a cancelled query does not shift the ones after it, so
 * the simulator can be given the same plan), or as closed-loop clients that retry ({@link #runClosedLoop}: the
 * simulator runs the same clients), and logs each one's start, end and outcome. A query is
 * {@code SELECT count(*), pg_sleep(d) FROM rel}: it holds its snapshot and an AccessShareLock for d seconds but no
 * buffer pin (the aggregate has finished the scan before the sleep). A query that completes also returns its
 * snapshot's xmin, which the simulator's is compared with.
 */
final class StandbyReaders {

    /** A query to run: the plan's {@link StandbyQuery} and the name of the relation it reads. */
    record Planned(StandbyQuery query, String relation) {
    }

    /**
     * How one query ended. {@code startMicros}/{@code endMicros} are wall-clock PostgreSQL-epoch microseconds;
     * {@code cancelledBy} null when it completed; {@code sqlState}/{@code detail} from the server's error.
     */
    record Outcome(int id, long startMicros, long endMicros, ConflictType cancelledBy, boolean fatal, String sqlState,
            String detail, long snapshotXmin) {
    }

    private static final Map<String, ConflictType> DETAILS = Map.of(
            "User query might have needed to see row versions that must be removed.", ConflictType.SNAPSHOT,
            "User was holding a relation lock for too long.", ConflictType.LOCK,
            "User was or might have been using tablespace that must be dropped.", ConflictType.TABLESPACE,
            "User was holding shared buffer pin for too long.", ConflictType.BUFFERPIN,
            "User transaction caused buffer deadlock with recovery.", ConflictType.DEADLOCK,
            "User was connected to a database that must be dropped.", ConflictType.DATABASE);

    private final PgCluster standby;
    private final String database;
    private final Clock clock = Clock.systemUTC();
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
    private final AtomicInteger terminatedWhileIdle = new AtomicInteger();
    private final ConcurrentLinkedQueue<StandbyQuery> attempts = new ConcurrentLinkedQueue<>();

    StandbyReaders(PgCluster standby, String database) {
        this.standby = standby;
        this.database = database;
    }

    /** Runs {@code plan} (start times on the PostgreSQL-epoch wall clock) and returns each outcome once all ended. */
    List<Outcome> run(List<Planned> plan) throws Exception {
        List<Planned> ordered = plan.stream().sorted(Comparator.comparingLong(p -> p.query().startMicros())).toList();
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "standby-reader");
            t.setDaemon(true);
            return t;
        });
        List<Future<Outcome>> running = new ArrayList<>();
        try {
            for (Planned p : ordered) {
                long wait = p.query().startMicros() - PgEpoch.now(clock);
                if (wait > 0) {
                    TimeUnit.MICROSECONDS.sleep(wait);
                }
                running.add(pool.submit(() -> execute(p)));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> f : running) {
                outcomes.add(f.get());
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
            closeAll();
        }
    }

    /**
     * Runs {@code clients} closed-loop on the standby, one thread each: a client draws its next query from the mix with
     * the same random choices as the simulator's client of that number, runs it, and after a cancellation runs the same
     * query again at once (as an application that retries SQLSTATE 40001 does; the round trip is the delay), else its
     * next one after the think time; no query starts at or after {@code clients.untilMicros()}. {@code tables} names
     * the relation of each kind (by its first relation's OID). Returns every attempt's outcome once all clients ended.
     */
    List<Outcome> runClosedLoop(StandbyClients clients, Map<Integer, String> tables) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, clients.count()), r -> {
            Thread t = new Thread(r, "standby-client");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger ids = new AtomicInteger();
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        List<Future<?>> running = new ArrayList<>();
        try {
            long wait = clients.fromMicros() - PgEpoch.now(clock);
            if (wait > 0) {
                TimeUnit.MICROSECONDS.sleep(wait);
            }
            for (int i = 0; i < clients.count(); i++) {
                java.util.SplittableRandom random = clients.random(i);
                running.add(pool.submit(() -> {
                    StandbyClients.Draw draw = null;
                    boolean again = false;
                    while (PgEpoch.now(clock) < clients.untilMicros()) {
                        if (!again) {
                            draw = clients.mix().draw(random);
                        }
                        StandbyClients.QueryKind k = draw.kind();
                        StandbyQuery q = new StandbyQuery(ids.incrementAndGet(), PgEpoch.now(clock),
                                draw.durationMicros(), k.dbOid(), k.relations(), k.inTransactionBlock());
                        Outcome o = execute(new Planned(q, tables.get(k.relations().get(0))));
                        attempts.add(new StandbyQuery(q.id(), o.startMicros(), q.durationMicros(), q.dbOid(),
                                q.relations(), q.inTransactionBlock()));
                        outcomes.add(o);
                        again = o.cancelledBy() != null && clients.retry().retry();
                        long pause = again ? 0 : clients.retry().thinkMicros();
                        if (pause > 0) {
                            TimeUnit.MICROSECONDS.sleep(pause);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(clients.untilMicros() - clients.fromMicros() + 600_000_000L, TimeUnit.MICROSECONDS);
            }
            return outcomes.stream().sorted(Comparator.comparingLong(Outcome::startMicros)).toList();
        } finally {
            pool.shutdownNow();
            closeAll();
        }
    }

    /**
     * Each query the closed-loop clients ran, retries included, with its real start: the same attempts as a trace of
     * fixed start times, which is what a trace-driven model gets.
     */
    List<StandbyQuery> closedLoopAttempts() {
        return attempts.stream().sorted(Comparator.comparingLong(StandbyQuery::startMicros)).toList();
    }

    /** Opens {@code n} connections ahead, so that the first queries do not pay for a login. */
    void warmUp(int n) {
        for (int i = 0; i < n; i++) {
            idle.add(open());
        }
    }

    void closeAll() {
        for (Connection c; (c = idle.poll()) != null; ) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a connection the server already ended
            }
        }
    }

    private Outcome execute(Planned p) {
        Connection c = idle.poll();
        if (c == null) {
            c = open();
        }
        String sql = "SELECT count(*), pg_sleep(?), pg_snapshot_xmin(pg_current_snapshot())::text FROM " + p.relation();
        for (int attempt = 1; ; attempt++) {
            long start = PgEpoch.now(clock);
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setDouble(1, p.query().durationMicros() / 1e6);
                long xmin;
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    xmin = Long.parseLong(rs.getString(3));
                }
                idle.add(c);
                return new Outcome(p.query().id(), start, PgEpoch.now(clock), null, false, null, null, xmin);
            } catch (SQLException e) {
                long end = PgEpoch.now(clock);
                ServerErrorMessage m = e instanceof PSQLException pe ? pe.getServerErrorMessage() : null;
                if (m == null && attempt == 1 && e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                    // the server ended this pooled connection while it was idle (before 17 a conflict that reaches
                    // a session between commands is FATAL); the query has not started: run it on a new one
                    terminatedWhileIdle.incrementAndGet();
                    quietlyClose(c);
                    c = open();
                    continue;
                }
                boolean fatal = m != null && "FATAL".equals(m.getSeverity());
                String detail = m != null ? m.getDetail() : e.getMessage();
                ConflictType type = detail == null ? null : DETAILS.get(detail);
                if (fatal || m == null) {
                    quietlyClose(c);
                } else {
                    idle.add(c);
                }
                if (type == null && !"40001".equals(e.getSQLState()) && !"57P04".equals(e.getSQLState())) {
                    throw new IllegalStateException("standby query " + p.query().id() + " failed: " + e.getMessage(), e);
                }
                return new Outcome(p.query().id(), start, end, type, fatal, e.getSQLState(), detail, -1);
            }
        }
    }

    /** Pooled connections the server had ended while they were idle, found when the next query was sent. */
    int terminatedWhileIdle() {
        return terminatedWhileIdle.get();
    }

    private Connection open() {
        Properties props = new Properties();
        props.setProperty("dbname", database);
        props.setProperty("ApplicationName", "walstream-validate-reader");
        return standby.connect(props);
    }

    private static void quietlyClose(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the server ended it
        }
    }
}
