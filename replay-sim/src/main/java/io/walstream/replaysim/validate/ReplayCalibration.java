package io.walstream.replaysim.validate;

import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.Lsn;
import io.walstream.replaysim.ApplyCosts;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What applying WAL costs the real standby's startup process, measured on the validation's pair before its scenarios
 * ({@code simulate --validate --calibrate}). Each burst pauses the standby's replay ({@code pg_wal_replay_pause()}),
 * writes one kind of WAL on the primary, waits until the standby has received all of it, resumes replay and times how
 * long the startup process takes to apply it ({@code pg_last_wal_replay_lsn()} polled every millisecond); the
 * primary's {@code pg_walinspect} counts the burst's records per resource manager and their bytes. The costs (per
 * Heap, Btree and Transaction record, every other resource manager's as a Transaction record, and per KiB of WAL, which
 * full-page images make large) come from the bursts of one kind: commits alone, heap inserts alone, heap and btree
 * inserts, and one row updated on each page of a table after a checkpoint (a full-page image each); the HOT-update and
 * workload bursts are left to check them: their time predicted from their counts and bytes beside the measured.
 */
final class ReplayCalibration {

    /** One burst: its records per resource manager, its bytes (full-page images included) and how long replay took. */
    record Burst(String name, Map<String, Long> recordsByRmgr, long bytes, long replayMicros) {

        long records() {
            return recordsByRmgr.values().stream().mapToLong(Long::longValue).sum();
        }

        long count(String rmgr) {
            return recordsByRmgr.getOrDefault(rmgr, 0L);
        }

        double microsPerRecord() {
            return (double) replayMicros / Math.max(1, records());
        }
    }

    /**
     * The bursts and the costs taken from them: {@code costs} per resource manager and KiB from the bursts of one kind;
     * {@code workload}, the last burst's mean per record, which the validation simulates with (the per-kind costs
     * underestimate mixed WAL: a record without a full-page image may have to read its page first, which the WAL does
     * not show).
     */
    record Result(List<Burst> bursts, ApplyCosts costs) {

        ApplyCosts workload() {
            Burst w = bursts.get(bursts.size() - 1);
            return new ApplyCosts(Math.round(w.replayMicros() * 1000.0 / Math.max(1, w.records())), Map.of());
        }


        /** The replay time {@link #costs} predict for {@code b}, in microseconds. */
        double predictedMicros(Burst b) {
            double nanos = costs.nanosPerKiB() * (b.bytes() / 1024.0);
            for (Map.Entry<String, Long> e : b.recordsByRmgr().entrySet()) {
                nanos += costs.nanosOf(e.getKey()) * (double) e.getValue();
            }
            return nanos / 1000;
        }

        String describe() {
            StringBuilder s = new StringBuilder("calibration (replay paused, one burst of WAL, replay resumed and timed):\n");
            s.append(String.format(Locale.ROOT, "  %-14s %8s %10s %11s %9s %13s  %s%n", "burst", "records", "bytes",
                    "replay ms", "us/rec", "predicted ms", "records by resource manager"));
            for (Burst b : bursts) {
                s.append(String.format(Locale.ROOT, "  %-14s %8d %10d %11.1f %9.2f %13.1f  %s%n", b.name(), b.records(),
                        b.bytes(), b.replayMicros() / 1000.0, b.microsPerRecord(), predictedMicros(b) / 1000.0,
                        b.recordsByRmgr()));
            }
            s.append("  apply cost per record by kind: --apply-us ").append(costs.format()).append('\n');
            s.append("  the workload's, which the simulator takes: --apply-us ").append(workload().format()).append('\n');
            return s.toString();
        }
    }

    /** Writes a burst's WAL on the primary. */
    interface Writes {
        void run(Connection primary) throws Exception;
    }

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final PgCluster primary;
    private final PgCluster standby;
    private final Supplier<Connection> primaryDb;

    ReplayCalibration(PgCluster primary, PgCluster standby, Supplier<Connection> primaryDb) {
        this.primary = primary;
        this.standby = standby;
        this.primaryDb = primaryDb;
    }

    /** Runs the bursts of one kind, then {@code workload}'s burst, and takes the costs from the former. */
    Result run(Writes workload) throws Exception {
        try (Connection c = primaryDb.get(); Statement s = c.createStatement()) {
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
            s.execute("CREATE TABLE calibration_heap (n int)");
            s.execute("CREATE TABLE calibration_indexed (n int PRIMARY KEY)");
            s.execute("CREATE TABLE calibration_pages (n int, filler char(100))");
            s.execute("INSERT INTO calibration_pages SELECT g, '' FROM generate_series(1, 100000) g");
        }
        List<Burst> bursts = new ArrayList<>();
        bursts.add(burst("commits", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SET synchronous_commit = off");
                for (int i = 0; i < 20_000; i++) {
                    s.execute("SELECT pg_current_xact_id()"); // an xid, so a commit record, and nothing else
                }
            }
        }));
        bursts.add(burst("heap inserts", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO calibration_heap SELECT g FROM generate_series(1, 100000) g");
            }
        }));
        bursts.add(burst("btree inserts", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO calibration_indexed SELECT g FROM generate_series(1, 50000) g");
            }
        }));
        bursts.add(burst("full pages", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CHECKPOINT"); // the first change of each page after it logs the whole page
                s.execute("UPDATE calibration_pages SET n = n WHERE n % 50 = 0"); // a row or two on each page
            }
        }));
        bursts.add(burst("hot updates", c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SET synchronous_commit = off");
                for (int i = 0; i < 20_000; i++) {
                    s.execute("UPDATE accounts SET balance = balance + 1 WHERE id = " + (1 + (i * 7919) % 20_000));
                }
            }
        }));
        bursts.add(burst("workload", workload));
        return new Result(bursts, costs(bursts.subList(0, 4)));
    }

    /**
     * The costs that explain {@code oneKind}'s replay times best (least squares; exactly, for as many bursts as
     * unknowns): nanoseconds per Heap (and Heap2) record, per Btree record, per record of any other resource manager
     * (Transaction, mostly), and per KiB of WAL; a negative one is taken as 0.
     */
    static ApplyCosts costs(List<Burst> oneKind) {
        int n = 4;
        double[][] ata = new double[n][n];
        double[] atb = new double[n];
        for (Burst b : oneKind) {
            long heap = heapRecords(b);
            long btree = b.count("Btree");
            double[] row = {heap, btree, b.records() - heap - btree, b.bytes() / 1024.0};
            for (int i = 0; i < n; i++) {
                atb[i] += row[i] * b.replayMicros() * 1000.0;
                for (int j = 0; j < n; j++) {
                    ata[i][j] += row[i] * row[j];
                }
            }
        }
        double[] c = solve(ata, atb);
        long heap = Math.max(0, Math.round(c[0]));
        long xact = Math.max(0, Math.round(c[2]));
        Map<String, Long> nanos = new LinkedHashMap<>();
        nanos.put("Heap", heap);
        nanos.put("Heap2", heap);
        nanos.put("Btree", Math.max(0, Math.round(c[1])));
        nanos.put("Transaction", xact);
        return new ApplyCosts(xact, nanos, Math.max(0, Math.round(c[3])));
    }

    /** Gaussian elimination with partial pivoting. */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            double t = b[col];
            b[col] = b[pivot];
            b[pivot] = t;
            if (a[col][col] == 0) {
                throw new IllegalStateException("calibration: the bursts do not tell the costs apart");
            }
            for (int r = col + 1; r < n; r++) {
                double f = a[r][col] / a[col][col];
                for (int k = col; k < n; k++) {
                    a[r][k] -= f * a[col][k];
                }
                b[r] -= f * b[col];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double sum = b[r];
            for (int k = r + 1; k < n; k++) {
                sum -= a[r][k] * x[k];
            }
            x[r] = sum / a[r][r];
        }
        return x;
    }

    private static long heapRecords(Burst b) {
        return b.count("Heap") + b.count("Heap2");
    }

    private Burst burst(String name, Writes writes) throws Exception {
        try (Connection s = standby.connect(); Statement st = s.createStatement()) {
            long before = Lsn.parse(primary.queryString("SELECT pg_current_wal_flush_lsn()")).value();
            await(() -> lsn(s, "SELECT pg_last_wal_replay_lsn()") >= before, "the standby to replay what came before");
            st.execute("SELECT pg_wal_replay_pause()");
            await(() -> string(s, "SELECT pg_get_wal_replay_pause_state()").equals("paused"), "replay to pause");
            long from = lsn(s, "SELECT pg_last_wal_replay_lsn()");
            try (Connection c = primaryDb.get()) {
                writes.run(c);
            }
            // the insert position: commits without synchronous_commit are flushed (and sent) a little later
            long to = Lsn.parse(primary.queryString("SELECT pg_current_wal_insert_lsn()")).value();
            await(() -> lsn(s, "SELECT pg_last_wal_receive_lsn()") >= to, "the standby to receive up to " + Lsn.of(to));
            long started = System.nanoTime();
            st.execute("SELECT pg_wal_replay_resume()");
            long deadline = started + TIMEOUT_NANOS;
            while (lsn(s, "SELECT pg_last_wal_replay_lsn()") < to) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the standby did not replay up to " + Lsn.of(to) + " in 120 s");
                }
                Thread.sleep(1);
            }
            long micros = (System.nanoTime() - started) / 1000;
            Map<String, Long> byRmgr = new LinkedHashMap<>();
            long bytes = 0;
            try (Connection c = primaryDb.get()) { // where pg_walinspect was created
                for (List<String> row : PgCluster.query(c, "SELECT \"resource_manager/record_type\", count, combined_size FROM"
                        + " pg_get_wal_stats(?::pg_lsn, ?::pg_lsn, false) WHERE count > 0 ORDER BY count DESC",
                        Lsn.of(from).toString(), Lsn.of(to).toString())) {
                    byRmgr.put(row.get(0), Long.parseLong(row.get(1)));
                    bytes += Long.parseLong(row.get(2));
                }
            }
            return new Burst(name, byRmgr, bytes, micros);
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("calibration: timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static String string(Connection c, String sql) throws SQLException {
        return PgCluster.query(c, sql).get(0).get(0);
    }

    private static long lsn(Connection c, String sql) throws SQLException {
        return Lsn.parse(string(c, sql)).value();
    }
}
